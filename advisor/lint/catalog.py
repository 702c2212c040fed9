"""What the lint rules know about the live schema, read once: tables, columns, constraints,
indexes, owned sequences, policies, enum types, and the ``advisor:ignore`` comments on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.catalog.names import read_relation_names
from advisor.catalog.rows import read as read_rows
from advisor.catalog.rows import resolve
from advisor.collect import catalog as base_catalog
from advisor.db import queries
from advisor.lint.sqlexpr import function_names
from advisor.model import Column, ExistingIndex, Finding, Policy, Table, TableRef

_IGNORE = re.compile(r"advisor:ignore\s+([\w\-*]+(?:\s*,\s*[\w\-*]+)*)")


def ignored_rules(comment: str | None) -> frozenset[str]:
    """Rule ids named in ``advisor:ignore rule-a, rule-b`` anywhere in a comment."""
    if not comment:
        return frozenset()
    return frozenset(
        rule.strip() for match in _IGNORE.finditer(comment) for rule in match.group(1).split(",")
    )


ColumnInfo = Column  # the catalog layer's column (``advisor.catalog.tables``)
TableInfo = Table  # the catalog layer's table


@dataclass(frozen=True)
class ConstraintInfo:
    name: str
    table: TableRef
    type: str  # p primary key, f foreign key, u unique, c check
    columns: tuple[str, ...]
    ref_table: TableRef | None
    ref_columns: tuple[str, ...]
    on_delete: str  # a no action, r restrict, c cascade, n set null, d set default
    on_update: str
    match_type: str
    deferrable: bool
    deferred: bool
    validated: bool
    definition: str
    comment: str | None


@dataclass(frozen=True)
class SequenceInfo:
    schema: str
    name: str
    table: TableRef
    column: str
    column_type_name: str  # int2, int4, int8
    sequence_type: str
    sequence_max: int
    increment: int
    last_value: int | None


PolicyInfo = Policy  # the catalog layer's policy (``advisor.catalog.policies``)


@dataclass(frozen=True)
class EnumInfo:
    schema: str
    name: str
    labels: tuple[str, ...]
    comment: str | None


@dataclass(frozen=True)
class LintCatalog:
    tables: dict[TableRef, TableInfo]
    constraints: tuple[ConstraintInfo, ...]
    indexes: dict[TableRef, tuple[ExistingIndex, ...]]
    sequences: tuple[SequenceInfo, ...]
    policies: tuple[PolicyInfo, ...]
    enums: tuple[EnumInfo, ...]
    search_path: tuple[str, ...]
    function_volatility: dict[str, str] = field(default_factory=dict)  # name -> worst of i/s/v
    relation_names: dict[str, frozenset[str]] = field(default_factory=dict)  # by schema
    index_verdict: tuple[Finding, ...] = ()  # the review's findings (``advisor.review``)

    def resolve(self, schema: str | None, name: str) -> TableInfo | None:
        return resolve(self.tables, self.search_path, schema, name)

    def indexes_of(self, ref: TableRef) -> tuple[ExistingIndex, ...]:
        return self.indexes.get(ref, ())

    def constraints_of(self, ref: TableRef, kind: str | None = None) -> tuple[ConstraintInfo, ...]:
        return tuple(
            c for c in self.constraints if c.table == ref and (kind is None or c.type == kind)
        )

    def policies_of(self, ref: TableRef) -> tuple[PolicyInfo, ...]:
        return tuple(p for p in self.policies if p.table == ref)

    def ignores(
        self, schema: str | None, table: str | None, column: str | None, obj: str | None
    ) -> frozenset[str]:
        """Rule ids silenced by ``advisor:ignore`` in the comments of the finding's objects."""
        found: set[str] = set()
        info = self.tables.get(TableRef(schema, table)) if schema and table else None
        if info is not None:
            found |= ignored_rules(info.comment)
            col = info.column(column) if column else None
            if col is not None:
                found |= ignored_rules(col.comment)
        if obj is not None:
            for con in self.constraints:
                if con.name == obj and con.table.schema == schema:
                    found |= ignored_rules(con.comment)
            for pol in self.policies:
                if pol.name == obj and (pol.table.schema, pol.table.name) == (schema, table):
                    found |= ignored_rules(pol.comment)
            for enum in self.enums:
                if (enum.schema, enum.name) == (schema, obj):
                    found |= ignored_rules(enum.comment)
        return frozenset(found)


def _worst_volatility(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Per function name, the least stable volatility of its overloads (v > s > i)."""
    order = {"i": 0, "s": 1, "v": 2}
    worst: dict[str, str] = {}
    for row in rows:
        for key in (row["name"], f"{row['schema']}.{row['name']}"):
            if order[row["volatility"]] >= order.get(worst.get(key, "i"), 0):
                worst[key] = row["volatility"]
    return worst


def function_volatility(conn: psycopg.Connection[Any], names: Iterable[str]) -> dict[str, str]:
    """``{name: 'i'|'s'|'v', 'schema.name': ...}`` for the functions with these names."""
    wanted = sorted({n.rpartition(".")[2] for n in names})
    if not wanted:
        return {}
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(queries.load("lint_function_volatility"), {"names": wanted}).fetchall()
    return _worst_volatility(rows)


def _linted(tables: dict[TableRef, Table]) -> dict[TableRef, Table]:
    """The tables the lint rules look at: ordinary and partitioned tables not owned by an
    extension. Partitions are left out: their partitioned parent stands for them."""
    return {
        ref: t
        for ref, t in tables.items()
        if t.kind in ("r", "p") and not t.is_partition and not t.extension_member
    }


def read(conn: psycopg.Connection[Any], *, min_stats_age_s: float | None = None) -> LintCatalog:
    """Read everything the live rules need, in a handful of catalog queries; with
    ``min_stats_age_s``, the review's verdict on the existing indexes too."""
    from advisor.review import review_live  # the review imports the catalog layer

    base = base_catalog.read_catalog(conn)
    tables = _linted(base.tables)
    with conn.cursor(row_factory=dict_row) as cur:
        sequences = tuple(
            SequenceInfo(
                schema=r["schema"],
                name=r["name"],
                table=TableRef(r["table_schema"], r["table_name"]),
                column=r["column_name"],
                column_type_name=r["column_type_name"],
                sequence_type=r["sequence_type"],
                sequence_max=int(r["sequence_max"]),
                increment=int(r["increment"]),
                last_value=None if r["last_value"] is None else int(r["last_value"]),
            )
            for r in cur.execute(queries.load("lint_sequences"))
        )
        enums = tuple(
            EnumInfo(r["schema"], r["name"], tuple(r["labels"]), r["comment"])
            for r in cur.execute(queries.load("lint_enums"))
        )
    policies = tuple(p for group in base.policies.values() for p in group)
    names = {n for p in policies for n in function_names(p.using_sql) | function_names(p.check_sql)}
    return LintCatalog(
        tables=tables,
        constraints=read_rows(
            conn,
            "lint_constraints",
            ConstraintInfo,
            table=("schema", "table_name"),
            ref_table=("ref_schema", "ref_table"),
        ),
        indexes={ref: base.indexes_of(ref) for ref in tables},
        sequences=sequences,
        policies=policies,
        enums=enums,
        search_path=base.search_path,
        function_volatility=function_volatility(conn, names),
        relation_names=read_relation_names(conn),
        index_verdict=review_live(
            conn,
            min_stats_age_seconds=min_stats_age_s,
            indexes=tuple(i for group in base.indexes.values() for i in group),
        )
        if min_stats_age_s is not None
        else (),
    )
