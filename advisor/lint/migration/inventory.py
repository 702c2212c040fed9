"""What the migration files of one run create, in order: indexes (their leading columns),
primary keys, and the types columns are given.

A check asks it whether the index a foreign key needs comes in the same run (often in a later
file, since ``CREATE INDEX CONCURRENTLY`` wants a file of its own), whether a table created
without a primary key gets one later, or which type a column had before a type change. Tables
are matched by name; a name written without a schema matches the same name in any schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, NullTestType

from advisor.lint.migration.source import MigrationFile
from advisor.lint.migration.typechange import TypeShape, written_type

Where = tuple[int, int]  # (file's place in the run, statement's place in the file)
TableKey = tuple[str | None, str]
_SERIAL_BASE = {
    "serial": "int4",
    "serial4": "int4",
    "bigserial": "int8",
    "serial8": "int8",
    "smallserial": "int2",
    "serial2": "int2",
}


def not_null_column(expr: ast.Node | None) -> str | None:
    """The column of ``CHECK (column IS NOT NULL)``, if the expression is exactly that."""
    if (
        isinstance(expr, ast.NullTest)
        and expr.nulltesttype == NullTestType.IS_NOT_NULL
        and isinstance(expr.arg, ast.ColumnRef)
    ):
        return getattr((expr.arg.fields or (None,))[-1], "sval", None)
    return None


def key(relation: ast.RangeVar) -> TableKey:
    return relation.schemaname, relation.relname or ""


def matches(a: TableKey, b: TableKey) -> bool:
    return a[1] == b[1] and (a[0] is None or b[0] is None or a[0] == b[0])


@dataclass(frozen=True)
class NewIndex:
    table: TableKey
    keys: tuple[str | None, ...]  # column names; None for an expression
    method: str
    partial: bool
    where: Where

    def leads_with(self, columns: Sequence[str]) -> bool:
        """Can it serve lookups by ``columns`` (a foreign key's): led by them, in any order."""
        if self.partial or not columns or len(self.keys) < len(columns):
            return False
        if self.method == "hash":
            return len(columns) == 1 and self.keys[:1] == tuple(columns)
        return self.method == "btree" and set(self.keys[: len(columns)]) == set(columns)


@dataclass(frozen=True)
class Inventory:
    indexes: tuple[NewIndex, ...] = ()
    primary_keys: tuple[tuple[TableKey, Where], ...] = ()
    types: tuple[tuple[TableKey, str, TypeShape, Where], ...] = ()
    created: tuple[tuple[TableKey, Where], ...] = field(default=())
    # CHECK (col IS NOT NULL): (table, column, constraint name, validated when added, where)
    not_null_checks: tuple[tuple[TableKey, str, str, bool, Where], ...] = ()
    validations: tuple[tuple[TableKey, str, Where], ...] = ()  # VALIDATE CONSTRAINT name
    constraints: tuple[tuple[TableKey, str, Where], ...] = ()  # named constraints added

    def index_leading(self, relation: ast.RangeVar, columns: Sequence[str]) -> NewIndex | None:
        table = key(relation)
        return next(
            (i for i in self.indexes if matches(i.table, table) and i.leads_with(columns)), None
        )

    def has_primary_key(self, relation: ast.RangeVar) -> bool:
        return any(matches(t, key(relation)) for t, _ in self.primary_keys)

    def type_before(self, relation: ast.RangeVar, column: str, where: Where) -> TypeShape | None:
        """The type the run last gave ``column`` before ``where``; None if it gave none."""
        found = None
        for table, name, shape, at in self.types:
            if at < where and name == column and matches(table, key(relation)):
                found = shape
        return found

    def not_null_proven(self, relation: ast.RangeVar, column: str, where: Where) -> bool:
        """Has the run, before ``where``, a validated ``CHECK (column IS NOT NULL)``?"""
        table = key(relation)
        for t, col, name, valid, at in self.not_null_checks:
            if at >= where or col != column or not matches(t, table):
                continue
            if valid or any(
                name == n and at < when < where and matches(t2, table)
                for t2, n, when in self.validations
            ):
                return True
        return False

    def constraint_added(self, relation: ast.RangeVar, name: str, where: Where) -> bool:
        """Did the run add a constraint of this name to the table before ``where``?"""
        return any(
            n == name and at < where and matches(t, key(relation)) for t, n, at in self.constraints
        )

    def created_in_run(self, relation: ast.RangeVar, where: Where) -> bool:
        return any(at < where and matches(t, key(relation)) for t, at in self.created)


def shape(type_name: ast.TypeName) -> TypeShape:
    base, mods = written_type(type_name)
    return _SERIAL_BASE.get(base, base), mods


def _names(nodes: Sequence[ast.Node] | None) -> tuple[str, ...]:
    return tuple(getattr(n, "sval", "") for n in nodes or ())


def _column_constraints(col: ast.ColumnDef) -> list[ast.Constraint]:
    return [c for c in col.constraints or () if isinstance(c, ast.Constraint)]


@dataclass
class _Builder:
    indexes: list[NewIndex] = field(default_factory=list)
    primary_keys: list[tuple[TableKey, Where]] = field(default_factory=list)
    types: list[tuple[TableKey, str, TypeShape, Where]] = field(default_factory=list)
    created: list[tuple[TableKey, Where]] = field(default_factory=list)
    not_null_checks: list[tuple[TableKey, str, str, bool, Where]] = field(default_factory=list)
    validations: list[tuple[TableKey, str, Where]] = field(default_factory=list)
    constraints: list[tuple[TableKey, str, Where]] = field(default_factory=list)

    def constraint(
        self, table: TableKey, con: ast.Constraint, column: str | None, at: Where
    ) -> None:
        if con.conname:
            self.constraints.append((table, con.conname, at))
        checked = not_null_column(con.raw_expr) if con.contype == ConstrType.CONSTR_CHECK else None
        if checked:
            name = con.conname or ""
            self.not_null_checks.append((table, checked, name, not con.skip_validation, at))
        if con.contype not in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
            return
        columns = _names(con.keys) or ((column,) if column else ())
        if con.contype == ConstrType.CONSTR_PRIMARY:
            self.primary_keys.append((table, at))
        if columns and not con.indexname:  # USING INDEX: the index was recorded when built
            self.indexes.append(NewIndex(table, columns, "btree", False, at))

    def column(self, table: TableKey, col: ast.ColumnDef, at: Where) -> None:
        if col.typeName is not None and col.colname:
            self.types.append((table, col.colname, shape(col.typeName), at))
        for con in _column_constraints(col):
            self.constraint(table, con, col.colname, at)

    def statement(self, node: ast.Node, at: Where) -> None:
        if isinstance(node, ast.CreateStmt) and node.relation is not None:
            table = key(node.relation)
            self.created.append((table, at))
            for elt in node.tableElts or ():
                if isinstance(elt, ast.ColumnDef):
                    self.column(table, elt, at)
                elif isinstance(elt, ast.Constraint):
                    self.constraint(table, elt, None, at)
        elif isinstance(node, ast.IndexStmt) and node.relation is not None:
            keys = tuple(
                p.name if isinstance(p, ast.IndexElem) and p.expr is None else None
                for p in node.indexParams or ()
            )
            method = (node.accessMethod or "btree").lower()
            self.indexes.append(
                NewIndex(key(node.relation), keys, method, node.whereClause is not None, at)
            )
        elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            table = key(node.relation)
            for cmd in node.cmds or ():
                if not isinstance(cmd, ast.AlterTableCmd):
                    continue
                if cmd.subtype == AlterTableType.AT_AddColumn and isinstance(
                    cmd.def_, ast.ColumnDef
                ):
                    self.column(table, cmd.def_, at)
                elif cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(
                    cmd.def_, ast.Constraint
                ):
                    self.constraint(table, cmd.def_, None, at)
                elif cmd.subtype == AlterTableType.AT_ValidateConstraint and cmd.name:
                    self.validations.append((table, cmd.name, at))
                elif (
                    cmd.subtype == AlterTableType.AT_AlterColumnType
                    and isinstance(cmd.def_, ast.ColumnDef)
                    and cmd.def_.typeName is not None
                    and cmd.name
                ):
                    self.types.append((table, cmd.name, shape(cmd.def_.typeName), at))


def build(files: Sequence[MigrationFile]) -> Inventory:
    builder = _Builder()
    for position, mig in enumerate(files):
        for step in mig.steps:
            builder.statement(step.node, (position, step.index))
    return Inventory(
        tuple(builder.indexes),
        tuple(builder.primary_keys),
        tuple(builder.types),
        tuple(builder.created),
        tuple(builder.not_null_checks),
        tuple(builder.validations),
        tuple(builder.constraints),
    )
