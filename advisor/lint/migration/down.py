"""What an up migration changes, and whether its down migration undoes each change.

Names are compared without their schema. Only changes whose inverse is clear are tracked
(created or dropped tables, columns, indexes, constraints, types, views, functions, sequences,
policies; renames; NOT NULL, defaults and type changes); other statements are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pglast import ast
from pglast.enums import AlterTableType, ObjectType

from advisor.lint.migration.check import alter_cmds
from advisor.lint.migration.source import MigrationFile, Step
from advisor.parse.predicates import walk

_DROP_KINDS = {
    ObjectType.OBJECT_TABLE: "table",
    ObjectType.OBJECT_INDEX: "index",
    ObjectType.OBJECT_VIEW: "view",
    ObjectType.OBJECT_MATVIEW: "view",
    ObjectType.OBJECT_SEQUENCE: "sequence",
    ObjectType.OBJECT_TYPE: "type",
    ObjectType.OBJECT_DOMAIN: "type",
    ObjectType.OBJECT_FUNCTION: "function",
    ObjectType.OBJECT_PROCEDURE: "function",
    ObjectType.OBJECT_POLICY: "policy",
}


@dataclass(frozen=True)
class Change:
    """One thing a migration does, in a form its inverse can be matched against."""

    action: str  # create, drop, add_column, drop_column, rename_table, rename_column, ...
    kind: str  # table, column, index, constraint, type, view, function, sequence, policy, ...
    table: str | None
    name: str
    new_name: str | None = None
    columns: tuple[str, ...] = ()  # constraints: the columns they are on


def _constraint_columns(con: ast.Constraint) -> tuple[str, ...]:
    names = [getattr(k, "sval", None) for k in (con.keys or ()) + (con.fk_attrs or ())]
    if con.raw_expr is not None:
        names += [
            getattr((n.fields or (None,))[-1], "sval", None)
            for n in walk(con.raw_expr)
            if isinstance(n, ast.ColumnRef)
        ]
    return tuple(dict.fromkeys(n for n in names if n))


def _last(value: object) -> str | None:
    if isinstance(value, tuple):
        names = [getattr(v, "sval", None) for v in value]
        return names[-1] if names and names[-1] else None
    if isinstance(value, ast.TypeName):
        return _last(value.names)
    if isinstance(value, ast.ObjectWithArgs):
        return _last(value.objname)
    if isinstance(value, ast.RangeVar):
        return value.relname
    return None


def _relname(node: ast.Node) -> str | None:
    relation = getattr(node, "relation", None)
    return relation.relname if isinstance(relation, ast.RangeVar) else None


def _alter_changes(node: ast.AlterTableStmt) -> Iterator[Change]:
    table = _relname(node) or ""
    for cmd in alter_cmds(node):
        sub, name = cmd.subtype, cmd.name or ""
        if sub == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            yield Change("add", "column", table, cmd.def_.colname or "")
        elif sub == AlterTableType.AT_DropColumn:
            yield Change("drop", "column", table, name)
        elif sub == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            if cmd.def_.conname:
                columns = _constraint_columns(cmd.def_)
                yield Change("add", "constraint", table, cmd.def_.conname, columns=columns)
        elif sub == AlterTableType.AT_DropConstraint:
            yield Change("drop", "constraint", table, name)
        elif sub == AlterTableType.AT_SetNotNull:
            yield Change("set", "not_null", table, name)
        elif sub == AlterTableType.AT_DropNotNull:
            yield Change("drop", "not_null", table, name)
        elif sub == AlterTableType.AT_ColumnDefault:
            yield Change("set", "default", table, name)
        elif sub == AlterTableType.AT_AlterColumnType:
            yield Change("set", "type", table, name)


def changes(node: ast.Node) -> Iterator[Change]:
    """The changes one statement makes."""
    if isinstance(node, ast.CreateStmt) and node.relation is not None:
        table = node.relation.relname or ""
        yield Change("create", "table", table, table)
    elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        name = node.into.rel.relname if node.into.rel is not None else None
        kind = "view" if node.objtype == ObjectType.OBJECT_MATVIEW else "table"
        yield Change("create", kind, name, name or "")
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        yield Change("create", "index", _relname(node), node.idxname)
    elif isinstance(node, ast.ViewStmt) and node.view is not None:
        yield Change("create", "view", None, node.view.relname or "")
    elif isinstance(node, ast.CreateSeqStmt) and node.sequence is not None:
        yield Change("create", "sequence", None, node.sequence.relname or "")
    elif isinstance(node, ast.CreateEnumStmt | ast.CreateDomainStmt | ast.CompositeTypeStmt):
        name = _last(
            getattr(node, "typeName", None)
            or getattr(node, "domainname", None)
            or getattr(node, "typevar", None)
        )
        if name:
            yield Change("create", "type", None, name)
    elif isinstance(node, ast.CreateFunctionStmt):
        name = _last(node.funcname)
        if name:
            yield Change("create", "function", None, name)
    elif isinstance(node, ast.CreatePolicyStmt) and node.table is not None:
        yield Change("create", "policy", node.table.relname, node.policy_name or "")
    elif isinstance(node, ast.AlterEnumStmt) and node.newVal and not node.oldVal:
        yield Change("add", "enum_value", None, _last(node.typeName) or "", node.newVal)
    elif isinstance(node, ast.DropStmt) and node.removeType in _DROP_KINDS:
        kind = _DROP_KINDS[node.removeType]
        for obj in node.objects or ():
            name = _last(obj)
            table = None
            if kind == "policy" and isinstance(obj, tuple) and len(obj) >= 2:
                table = _last(obj[:-1])
            if name:
                yield Change(
                    "drop",
                    kind,
                    table if kind == "policy" else (name if kind == "table" else None),
                    name,
                )
    elif isinstance(node, ast.RenameStmt):
        if node.renameType in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW):
            old = _relname(node) or ""
            yield Change("rename", "table", old, old, node.newname)
        elif node.renameType == ObjectType.OBJECT_COLUMN:
            yield Change("rename", "column", _relname(node), node.subname or "", node.newname)
        elif node.renameType == ObjectType.OBJECT_TABCONSTRAINT:
            yield Change("rename", "constraint", _relname(node), node.subname or "", node.newname)
        elif node.renameType == ObjectType.OBJECT_INDEX:
            yield Change("rename", "index", None, _relname(node) or "", node.newname)
    elif isinstance(node, ast.AlterTableStmt):
        yield from _alter_changes(node)


_OPPOSITE = {"create": "drop", "add": "drop", "drop": "create"}


def _undone_by(change: Change, down: set[Change], dropped_tables: set[str]) -> bool:
    if change.action == "rename":
        return Change("rename", change.kind, None, change.new_name or "", change.name) in {
            Change(d.action, d.kind, None, d.name, d.new_name) for d in down
        }
    if change.action == "add" and change.kind == "enum_value":
        return False
    if (
        change.kind != "table"
        and change.action in ("create", "add", "set")
        and (change.table in dropped_tables)
    ):
        return True
    if change.action == "set":
        return any(
            d.kind == change.kind and (d.table, d.name) == (change.table, change.name) for d in down
        ) or (
            change.kind in ("not_null", "default", "type")
            and Change("drop", "column", change.table, change.name) in down
        )
    if change.kind == "column":
        wanted = "drop" if change.action == "add" else "add"
        return Change(wanted, "column", change.table, change.name) in down
    opposite = _OPPOSITE.get(change.action)
    if change.kind == "constraint":
        if change.action == "drop":
            return any(
                (d.action, d.kind, d.table, d.name)
                == ("add", "constraint", change.table, change.name)
                for d in down
            )
        if any(Change("drop", "column", change.table, c) in down for c in change.columns):
            return True
    if change.kind in ("index", "view", "sequence", "type", "function", "constraint"):
        return any((d.action, d.kind, d.name) == (opposite, change.kind, change.name) for d in down)
    return any(
        (d.action, d.kind, d.table, d.name) == (opposite, change.kind, change.table, change.name)
        for d in down
    )


def not_undone(up: MigrationFile, down: MigrationFile) -> Iterator[tuple[Step, Change]]:
    """Each change of ``up`` that ``down`` does not reverse, with the up step that made it."""
    down_changes = {c for step in down.steps for c in changes(step.node)}
    dropped = {c.name for c in down_changes if (c.action, c.kind) == ("drop", "table")}
    for step in up.steps:
        for change in changes(step.node):
            if not _undone_by(change, down_changes, dropped):
                yield step, change


def describe(change: Change) -> str:
    where = f" on {change.table}" if change.table and change.kind != "table" else ""
    if change.action == "rename":
        return f"renames {change.kind} {change.name} to {change.new_name}{where}"
    if change.kind == "enum_value":
        return f"adds value {change.new_name!r} to enum type {change.name}, which cannot be removed"
    if change.action == "set":
        what = {
            "not_null": "sets NOT NULL on",
            "default": "changes the default of",
            "type": "changes the type of",
        }[change.kind]
        return f"{what} column {change.name}{where}"
    verb = {"create": "creates", "add": "adds", "drop": "drops"}[change.action]
    return f"{verb} {change.kind} {change.name}{where}"
