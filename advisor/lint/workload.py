"""What the workload says about the schema: which tables are filtered on ``deleted_at IS NULL``,
which INSERTs leave which columns out, which tables are deleted from.

Statements come from pg_stat_statements (``advisor.sources.pgss``), are repaired like the
analysis does and parsed with pglast. When pg_stat_statements is not there the workload is empty
and says why, and the rules that need it stay silent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from pglast import ast
from pglast.enums import A_Expr_Kind, NullTestType
from psycopg.rows import dict_row

from advisor.db import queries
from advisor.lint.catalog import LintCatalog, TableInfo
from advisor.model import Statement, TableRef
from advisor.parse import syntax
from advisor.parse.predicates import walk
from advisor.parse.repair import repair_text
from advisor.parse.syntax import Unparsable
from advisor.settings import Settings
from advisor.sources.pgss import read_statements

SOFT_DELETE_COLUMN = "deleted_at"


@dataclass(frozen=True)
class SoftDeleteUse:
    """A statement that reads only live rows (``deleted_at IS NULL``) of a table."""

    statement: Statement
    equality_columns: tuple[str, ...]  # the table's columns it compares with a value


@dataclass(frozen=True)
class InsertUse:
    """An INSERT into a table and the columns it sets (None: cannot tell, e.g. ``SELECT *``)."""

    statement: Statement
    columns: tuple[str, ...] | None


@dataclass(frozen=True)
class Workload:
    available: bool
    note: str | None = None
    statements: tuple[Statement, ...] = ()
    soft_delete: dict[TableRef, tuple[SoftDeleteUse, ...]] = field(default_factory=dict)
    inserts: dict[TableRef, tuple[InsertUse, ...]] = field(default_factory=dict)
    deletes: dict[TableRef, tuple[Statement, ...]] = field(default_factory=dict)


def _last_name(ref: ast.ColumnRef) -> tuple[str | None, str | None]:
    names = [f.sval for f in ref.fields or () if isinstance(f, ast.String)]
    if not names or len(names) != len(ref.fields or ()):
        return None, None  # ``t.*``
    return (names[-2] if len(names) >= 2 else None), names[-1]


class _Scope:
    """Names a statement gives its tables (alias or table name) -> the table."""

    def __init__(self, node: ast.Node, catalog: LintCatalog) -> None:
        self.by_name: dict[str, TableInfo] = {}
        for n in walk(node):
            if isinstance(n, ast.RangeVar) and n.relname:
                table = catalog.resolve(n.schemaname, n.relname)
                if table is not None:
                    name = n.alias.aliasname if n.alias is not None else None
                    self.by_name[name or n.relname] = table

    def owners(self, ref: ast.ColumnRef) -> Iterator[tuple[TableInfo, str]]:
        qualifier, column = _last_name(ref)
        if column is None:
            return
        if qualifier is not None:
            table = self.by_name.get(qualifier)
            if table is not None and table.column(column) is not None:
                yield table, column
            return
        for table in {t.ref: t for t in self.by_name.values()}.values():
            if table.column(column) is not None:
                yield table, column


def _is_value(node: ast.Node) -> bool:
    return not any(isinstance(n, ast.ColumnRef) for n in walk(node))


def _equalities(node: ast.Node, scope: _Scope) -> dict[TableRef, list[str]]:
    found: dict[TableRef, list[str]] = defaultdict(list)
    for n in walk(node):
        if not (isinstance(n, ast.A_Expr) and n.kind == A_Expr_Kind.AEXPR_OP):
            continue
        if [getattr(x, "sval", None) for x in n.name or ()] != ["="]:
            continue
        for col, other in ((n.lexpr, n.rexpr), (n.rexpr, n.lexpr)):
            if isinstance(col, ast.ColumnRef) and isinstance(other, ast.Node) and _is_value(other):
                for table, column in scope.owners(col):
                    found[table.ref].append(column)
    return found


def soft_delete_tables(node: ast.Node, catalog: LintCatalog) -> dict[TableRef, tuple[str, ...]]:
    """Tables whose ``deleted_at IS NULL`` the statement tests -> its equality columns there."""
    scope = _Scope(node, catalog)
    tested: set[TableRef] = set()
    for n in walk(node):
        if (
            isinstance(n, ast.NullTest)
            and n.nulltesttype == NullTestType.IS_NULL
            and isinstance(n.arg, ast.ColumnRef)
        ):
            tested |= {t.ref for t, c in scope.owners(n.arg) if c == SOFT_DELETE_COLUMN}
    if not tested:
        return {}
    equal = _equalities(node, scope)
    return {
        ref: tuple(dict.fromkeys(c for c in equal.get(ref, ()) if c != SOFT_DELETE_COLUMN))
        for ref in tested
    }


def insert_columns(node: ast.InsertStmt, table: TableInfo) -> tuple[str, ...] | None:
    """The columns an INSERT sets: its column list, else the first N columns it gives values to."""
    if node.cols:
        return tuple(t.name for t in node.cols if isinstance(t, ast.ResTarget) and t.name)
    select = node.selectStmt
    if select is None:
        return ()  # DEFAULT VALUES
    if not isinstance(select, ast.SelectStmt):
        return None
    if select.valuesLists:
        width = len(select.valuesLists[0])
    elif select.targetList and not any(
        isinstance(n, ast.A_Star) for t in select.targetList for n in walk(t)
    ):
        width = len(select.targetList)
    else:
        return None
    return tuple(c.name for c in table.columns[:width])


@dataclass
class _Collector:
    catalog: LintCatalog
    soft_delete: dict[TableRef, list[SoftDeleteUse]] = field(
        default_factory=lambda: defaultdict(list)
    )
    inserts: dict[TableRef, list[InsertUse]] = field(default_factory=lambda: defaultdict(list))
    deletes: dict[TableRef, list[Statement]] = field(default_factory=lambda: defaultdict(list))

    def add(self, statement: Statement) -> None:
        try:
            parsed = syntax.parse(repair_text(statement.query).sql)
        except Unparsable:  # unparsable texts tell us nothing
            return
        for raw in parsed:
            node = raw.stmt
            if node is None:
                continue
            for ref, columns in soft_delete_tables(node, self.catalog).items():
                self.soft_delete[ref].append(SoftDeleteUse(statement, columns))
            for n in walk(node):
                if not isinstance(n, ast.InsertStmt | ast.DeleteStmt) or n.relation is None:
                    continue
                if n.relation.relname:
                    table = self.catalog.resolve(n.relation.schemaname, n.relation.relname)
                    if table is None:
                        continue
                    if isinstance(n, ast.InsertStmt):
                        use = InsertUse(statement, insert_columns(n, table))
                        self.inserts[table.ref].append(use)
                    else:
                        self.deletes[table.ref].append(statement)


def from_statements(statements: list[Statement], catalog: LintCatalog) -> Workload:
    collector = _Collector(catalog)
    for statement in statements:
        collector.add(statement)
    return Workload(
        available=True,
        statements=tuple(statements),
        soft_delete={k: tuple(v) for k, v in collector.soft_delete.items()},
        inserts={k: tuple(v) for k, v in collector.inserts.items()},
        deletes={k: tuple(v) for k, v in collector.deletes.items()},
    )


def read(conn: psycopg.Connection[Any], catalog: LintCatalog) -> Workload:
    """The workload of the connected database, or an empty one that says why it is empty."""
    with conn.cursor(row_factory=dict_row) as cur:
        info = cur.execute(queries.load("server_info")).fetchone()
    assert info is not None
    if info["pgss_schema"] is None:
        return Workload(
            available=False,
            note="pg_stat_statements is not created in this database: workload rules skipped",
        )
    try:
        statements = read_statements(conn, info["pgss_schema"], Settings())
    except psycopg.errors.ObjectNotInPrerequisiteState:
        return Workload(
            available=False,
            note="pg_stat_statements is not in shared_preload_libraries: workload rules skipped",
        )
    note = None
    if not (info["superuser"] or info["read_all_stats"]):
        note = "this role cannot read other roles' statements (grant pg_read_all_stats)"
    workload = from_statements(statements, catalog)
    return Workload(
        available=True,
        note=note,
        statements=workload.statements,
        soft_delete=workload.soft_delete,
        inserts=workload.inserts,
        deletes=workload.deletes,
    )
