"""What the lint rules know about the live schema, read once: tables, columns, constraints,
indexes, owned sequences, policies, enum types, and the ``advisor:ignore`` comments on them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.collect import catalog as base_catalog
from advisor.db import queries
from advisor.lint.sqlexpr import function_names
from advisor.model import ExistingIndex, TableRef

_IGNORE = re.compile(r"advisor:ignore\s+([\w\-*]+(?:\s*,\s*[\w\-*]+)*)")


def ignored_rules(comment: str | None) -> frozenset[str]:
    """Rule ids named in ``advisor:ignore rule-a, rule-b`` anywhere in a comment."""
    if not comment:
        return frozenset()
    return frozenset(
        rule.strip() for match in _IGNORE.finditer(comment) for rule in match.group(1).split(",")
    )


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    attnum: int
    type: str  # format_type: "character varying(20)", "numeric(12,2)", ...
    type_name: str  # pg_type.typname: varchar, numeric, int4, an enum's name ...
    type_schema: str
    type_kind: str  # pg_type.typtype: b base, e enum, d domain, c composite ...
    typmod: int
    not_null: bool
    default_sql: str | None
    identity: str  # "" , "a" always, "d" by default
    generated: str  # "" or "s" stored
    comment: str | None

    @property
    def char_length(self) -> int | None:
        """n of varchar(n) / char(n); None when unbounded."""
        if self.type_name in ("varchar", "bpchar") and self.typmod >= 4:
            return self.typmod - 4
        return None

    @property
    def numeric_precision(self) -> tuple[int, int] | None:
        """(precision, scale) of numeric(p,s); None for unconstrained numeric."""
        if self.type_name != "numeric" or self.typmod < 4:
            return None
        mod = self.typmod - 4
        return (mod >> 16) & 0xFFFF, mod & 0xFFFF

    @property
    def has_default(self) -> bool:
        return self.default_sql is not None or bool(self.identity) or bool(self.generated)


@dataclass(frozen=True)
class TableInfo:
    oid: int
    ref: TableRef
    kind: str  # r table, p partitioned table
    rls_enabled: bool
    rls_forced: bool
    comment: str | None
    size_bytes: int
    rows: float
    n_tup_ins: int
    n_tup_upd: int
    n_tup_del: int
    before_insert_row_trigger: bool
    columns: tuple[ColumnInfo, ...]
    has_default_partition: bool = False

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)


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


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    table: TableRef
    command: str  # r select, a insert, w update, d delete, * all
    permissive: bool
    roles: tuple[str, ...]
    using_sql: str | None
    check_sql: str | None
    comment: str | None


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

    def resolve(self, schema: str | None, name: str) -> TableInfo | None:
        if schema is not None:
            return self.tables.get(TableRef(schema, name))
        for candidate in self.search_path:
            table = self.tables.get(TableRef(candidate, name))
            if table is not None:
                return table
        return None

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


def _columns(cur: psycopg.Cursor[dict[str, Any]]) -> dict[int, list[ColumnInfo]]:
    by_table: dict[int, list[ColumnInfo]] = defaultdict(list)
    for r in cur.execute(queries.load("lint_columns")):
        by_table[r["table_oid"]].append(
            ColumnInfo(
                name=r["name"],
                attnum=r["attnum"],
                type=r["type"],
                type_name=r["type_name"],
                type_schema=r["type_schema"],
                type_kind=r["type_kind"],
                typmod=r["typmod"],
                not_null=r["not_null"],
                default_sql=r["default_sql"],
                identity=r["identity"],
                generated=r["generated"],
                comment=r["comment"],
            )
        )
    return by_table


def _tables(cur: psycopg.Cursor[dict[str, Any]]) -> dict[TableRef, TableInfo]:
    columns = _columns(cur)
    tables: dict[TableRef, TableInfo] = {}
    for r in cur.execute(queries.load("lint_tables")):
        ref = TableRef(r["schema"], r["name"])
        tables[ref] = TableInfo(
            oid=r["oid"],
            ref=ref,
            kind=r["kind"],
            rls_enabled=r["rls_enabled"],
            rls_forced=r["rls_forced"],
            comment=r["comment"],
            size_bytes=int(r["size_bytes"]),
            rows=float(r["rows"]),
            n_tup_ins=int(r["n_tup_ins"]),
            n_tup_upd=int(r["n_tup_upd"]),
            n_tup_del=int(r["n_tup_del"]),
            before_insert_row_trigger=r["before_insert_row_trigger"],
            columns=tuple(columns.get(r["oid"], ())),
            has_default_partition=r["has_default_partition"],
        )
    return tables


def _constraints(cur: psycopg.Cursor[dict[str, Any]]) -> tuple[ConstraintInfo, ...]:
    return tuple(
        ConstraintInfo(
            name=r["name"],
            table=TableRef(r["schema"], r["table_name"]),
            type=r["type"],
            columns=tuple(r["columns"]),
            ref_table=TableRef(r["ref_schema"], r["ref_table"]) if r["ref_table"] else None,
            ref_columns=tuple(r["ref_columns"]),
            on_delete=r["on_delete"],
            on_update=r["on_update"],
            match_type=r["match_type"],
            deferrable=r["deferrable"],
            deferred=r["deferred"],
            validated=r["validated"],
            definition=r["definition"],
            comment=r["comment"],
        )
        for r in cur.execute(queries.load("lint_constraints"))
    )


def read(conn: psycopg.Connection[Any]) -> LintCatalog:
    """Read everything the live rules need, in a handful of catalog queries."""
    base = base_catalog.read_catalog(conn)
    with conn.cursor(row_factory=dict_row) as cur:
        tables = _tables(cur)
        constraints = _constraints(cur)
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
        policies = tuple(
            PolicyInfo(
                name=r["name"],
                table=TableRef(r["schema"], r["table_name"]),
                command=r["command"],
                permissive=r["permissive"],
                roles=tuple(r["roles"]),
                using_sql=r["using_sql"],
                check_sql=r["check_sql"],
                comment=r["comment"],
            )
            for r in cur.execute(queries.load("lint_policies"))
        )
        enums = tuple(
            EnumInfo(r["schema"], r["name"], tuple(r["labels"]), r["comment"])
            for r in cur.execute(queries.load("lint_enums"))
        )
    names = {n for p in policies for n in function_names(p.using_sql) | function_names(p.check_sql)}
    return LintCatalog(
        tables=tables,
        constraints=constraints,
        indexes={ref: base.indexes_of(ref) for ref in tables},
        sequences=sequences,
        policies=policies,
        enums=enums,
        search_path=base.search_path,
        function_volatility=function_volatility(conn, names),
    )
