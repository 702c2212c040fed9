"""What the column definitions of a migration say: NOT NULL, a default, how values get filled,
which columns a statement creates or retypes, and the statement rewritten with another type.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, deparse
from advisor.lint.migration.inventory import shape
from advisor.lint.migration.source import Step
from advisor.lint.migration.typechange import TypeShape
from advisor.lint.sqlexpr import func_name
from advisor.parse import syntax
from advisor.parse.predicates import walk

SERIAL_TYPES = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}
KNOWN_VOLATILE = frozenset(
    {
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "txid_current",
        "setseed",
    }
)


def volatile_call(col: ast.ColumnDef, volatility: dict[str, str]) -> str | None:
    """The volatile function the column's default calls, if any: as the server says (with a
    DSN), else by the list of well-known ones."""
    expr = default_expr(col)
    for node in walk(expr) if expr is not None else ():
        if isinstance(node, ast.FuncCall):
            name = func_name(node)
            bare = name.rpartition(".")[2]
            known = volatility.get(name) or volatility.get(bare)
            if known == "v" or (known is None and bare in KNOWN_VOLATILE):
                return name
    return None


def constraints(col: ast.ColumnDef, *kinds: ConstrType) -> list[ast.Constraint]:
    return [
        c for c in col.constraints or () if isinstance(c, ast.Constraint) and c.contype in kinds
    ]


def type_base(col: ast.ColumnDef) -> str:
    names = [getattr(n, "sval", "") for n in (col.typeName.names if col.typeName else ()) or ()]
    return names[-1].lower() if names else ""


def is_not_null(col: ast.ColumnDef) -> bool:
    return bool(col.is_not_null) or bool(
        constraints(col, ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY)
    )


def default_expr(col: ast.ColumnDef) -> ast.Node | None:
    found = constraints(col, ConstrType.CONSTR_DEFAULT)
    return found[0].raw_expr if found else None


def fills_values(col: ast.ColumnDef) -> bool:
    """Does every existing row get a value: a default, identity, generated or serial column?"""
    return (
        default_expr(col) is not None
        or bool(constraints(col, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED))
        or type_base(col) in SERIAL_TYPES
    )


@dataclass(frozen=True)
class NewColumn:
    """A column a statement creates (CREATE TABLE, ADD COLUMN) or gives a type (ALTER TYPE)."""

    relation: ast.RangeVar
    definition: ast.ColumnDef  # for ALTER TYPE: the new type, named after the column
    action: str  # "create", "add" or "type"
    siblings: tuple[str, ...]  # the other columns the statement names for the table
    primary_key: tuple[str, ...]  # the key the statement gives the table, if it gives one
    foreign_key: bool  # part of a foreign key the statement declares

    @property
    def name(self) -> str:
        return self.definition.colname or ""

    @property
    def sole_key(self) -> bool:
        return self.primary_key == (self.name,)


def _keys(con: ast.Constraint, attr: str) -> tuple[str, ...]:
    return tuple(getattr(k, "sval", "") for k in getattr(con, attr) or ())


def _table_columns(node: ast.CreateStmt) -> Iterator[NewColumn]:
    assert node.relation is not None
    elts = node.tableElts or ()
    cols = [e for e in elts if isinstance(e, ast.ColumnDef)]
    table_cons = [e for e in elts if isinstance(e, ast.Constraint)]
    key: tuple[str, ...] = ()
    fk_columns: set[str] = set()
    for con in table_cons:
        if con.contype == ConstrType.CONSTR_PRIMARY:
            key = _keys(con, "keys")
        elif con.contype == ConstrType.CONSTR_FOREIGN:
            fk_columns |= set(_keys(con, "fk_attrs"))
    for col in cols:
        if constraints(col, ConstrType.CONSTR_PRIMARY):
            key = (col.colname or "",)
        if constraints(col, ConstrType.CONSTR_FOREIGN):
            fk_columns.add(col.colname or "")
    names = tuple(c.colname or "" for c in cols)
    for col in cols:
        siblings = tuple(n for n in names if n != col.colname)
        yield NewColumn(node.relation, col, "create", siblings, key, col.colname in fk_columns)


def new_columns(node: ast.Node) -> Iterator[NewColumn]:
    """The columns ``node`` creates or retypes, in statement order."""
    if isinstance(node, ast.CreateStmt) and node.relation is not None:
        if node.partbound is None and not node.ofTypename:
            yield from _table_columns(node)
        return
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
        return
    cmds = [c for c in node.cmds or () if isinstance(c, ast.AlterTableCmd)]
    added = [
        c.def_
        for c in cmds
        if c.subtype == AlterTableType.AT_AddColumn and isinstance(c.def_, ast.ColumnDef)
    ]
    names = tuple(c.colname or "" for c in added)
    for cmd in cmds:
        col = cmd.def_
        if not isinstance(col, ast.ColumnDef):
            continue
        if cmd.subtype == AlterTableType.AT_AddColumn:
            key = (col.colname or "",) if constraints(col, ConstrType.CONSTR_PRIMARY) else ()
            siblings = tuple(n for n in names if n != col.colname)
            fk = bool(constraints(col, ConstrType.CONSTR_FOREIGN))
            yield NewColumn(node.relation, col, "add", siblings, key, fk)
        elif cmd.subtype == AlterTableType.AT_AlterColumnType and col.typeName is not None:
            named = copy.copy(col)
            named.colname = cmd.name
            yield NewColumn(node.relation, named, "type", names, (), False)


def type_name(text: str) -> ast.TypeName:
    """The parsed form of a type written as SQL (``bigint``, ``numeric(19, 4)``)."""
    stmt = syntax.parse(f"CREATE TABLE t (c {text})")[0].stmt
    assert isinstance(stmt, ast.CreateStmt) and stmt.tableElts
    col = stmt.tableElts[0]
    assert isinstance(col, ast.ColumnDef) and col.typeName is not None
    return col.typeName


def _target(node: ast.Node, column: NewColumn) -> ast.ColumnDef | None:
    if isinstance(node, ast.CreateStmt):
        return next(
            (
                e
                for e in node.tableElts or ()
                if isinstance(e, ast.ColumnDef) and e.colname == column.name
            ),
            None,
        )
    for cmd in node.cmds or () if isinstance(node, ast.AlterTableStmt) else ():
        col = cmd.def_
        if not isinstance(col, ast.ColumnDef):
            continue
        added = column.action == "add" and cmd.subtype == AlterTableType.AT_AddColumn
        retyped = column.action == "type" and cmd.subtype == AlterTableType.AT_AlterColumnType
        if (added and col.colname == column.name) or (retyped and cmd.name == column.name):
            return col
    return None


def retyped(
    node: ast.Node,
    column: NewColumn,
    new_type: str,
    *,
    drop: tuple[ConstrType, ...] = (),
    add: tuple[ast.Constraint, ...] = (),
) -> str:
    """The statement again with ``column`` of ``new_type``, every other part as written (its
    constraints too, except the kinds in ``drop``; ``add`` appends column constraints)."""
    fixed = copy.deepcopy(node)
    target = _target(fixed, column)
    assert target is not None, "the column came from this statement"
    bounds = target.typeName.arrayBounds if target.typeName is not None else None
    target.typeName = type_name(new_type)
    target.typeName.arrayBounds = bounds
    kept = tuple(
        c
        for c in target.constraints or ()
        if not (isinstance(c, ast.Constraint) and c.contype in drop)
    )
    if column.action != "type" and (kept or add):
        target.constraints = kept + add
    elif column.action != "type":
        target.constraints = None
    return deparse(fixed)


class ColumnCheck(MigrationCheck):
    """Base of the checks on the columns a statement creates or retypes: ``column`` judges one."""

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        for col in new_columns(step.node):
            if col.definition.typeName is not None:
                yield from self.column(col, step, ctx)

    def column(self, col: NewColumn, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        raise NotImplementedError


def base_type(col: NewColumn) -> TypeShape:
    """(base name, modifiers) of the column's written type; serial types as their integer."""
    assert col.definition.typeName is not None
    return shape(col.definition.typeName)


def table_columns(col: NewColumn, ctx: MigrationContext) -> set[str]:
    """Every column the table has by this statement: the statement's own and, with a DSN, the
    live table's."""
    names = {col.name, *col.siblings}
    table = ctx.table(col.relation)
    if table is not None:
        names |= {c.name for c in table.columns}
    return names


def length_check(column: str, length: int) -> ast.Constraint:
    """``CHECK (char_length(column) <= length)``, as parsed."""
    text = f"CREATE TABLE t (c text, CHECK (char_length(c) <= {int(length)}))"
    stmt = syntax.parse(text)[0].stmt
    assert isinstance(stmt, ast.CreateStmt) and stmt.tableElts
    con = stmt.tableElts[1]
    assert isinstance(con, ast.Constraint) and con.raw_expr is not None
    ref = next(n for n in walk(con.raw_expr) if isinstance(n, ast.ColumnRef))
    ref.fields = (ast.String(sval=column),)
    return con
