"""Tables, columns with their statistics, and existing indexes, read once per analysis."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.db import queries
from advisor.model import Column, ExistingIndex, Policy, Table, TableRef


@dataclass(frozen=True)
class Catalog:
    tables: dict[TableRef, Table]
    indexes: dict[TableRef, tuple[ExistingIndex, ...]]
    search_path: tuple[str, ...]
    policies: dict[TableRef, tuple[Policy, ...]] = field(default_factory=dict)
    extensions: frozenset[str] = frozenset()  # created in this database
    available_extensions: frozenset[str] = frozenset()  # could be created

    def resolve(self, schema: str | None, name: str) -> Table | None:
        """A table by (optional) schema and name, looking unqualified names up the search_path."""
        if schema is not None:
            return self.tables.get(TableRef(schema, name))
        for candidate_schema in self.search_path:
            table = self.tables.get(TableRef(candidate_schema, name))
            if table is not None:
                return table
        return None

    def indexes_of(self, ref: TableRef) -> tuple[ExistingIndex, ...]:
        return self.indexes.get(ref, ())

    def ancestors(self, ref: TableRef) -> tuple[TableRef, ...]:
        """The partitioned tables above a partition, nearest first."""
        table = self.tables.get(ref)
        parent = self._by_oid.get(table.parent_oid) if table and table.parent_oid else None
        return () if parent is None else (parent.ref, *self.ancestors(parent.ref))

    @functools.cached_property
    def _by_oid(self) -> dict[int, Table]:
        return {t.oid: t for t in self.tables.values()}


def read_catalog(conn: psycopg.Connection[Any]) -> Catalog:
    with conn.cursor(row_factory=dict_row) as cur:
        columns: dict[int, list[Column]] = defaultdict(list)
        for r in cur.execute(queries.load("columns")):
            columns[r["table_oid"]].append(
                Column(
                    name=r["name"],
                    attnum=r["attnum"],
                    type=r["type"],
                    not_null=r["not_null"],
                    n_distinct=r["n_distinct"],
                    null_frac=r["null_frac"],
                    correlation=r["correlation"],
                    avg_width=r["avg_width"],
                    type_length=r["type_length"],
                    dedup=r["dedup"],
                    index_type=r["index_type"],
                )
            )
        tables: dict[TableRef, Table] = {}
        for r in cur.execute(queries.load("tables")):
            ref = TableRef(r["schema"], r["name"])
            tables[ref] = Table(
                oid=r["oid"],
                ref=ref,
                kind=r["kind"],
                persistence=r["persistence"],
                parent_oid=r["parent_oid"],
                relallvisible=int(r["relallvisible"]),
                row_security=r["row_security"],
                force_row_security=r["force_row_security"],
                reltuples=float(r["reltuples"]),
                relpages=int(r["relpages"]),
                size_bytes=int(r["size_bytes"] or 0),
                columns=tuple(columns.get(r["oid"], ())),
                n_tup_ins=int(r["n_tup_ins"]),
                n_tup_upd=int(r["n_tup_upd"]),
                n_tup_del=int(r["n_tup_del"]),
                n_tup_hot_upd=int(r["n_tup_hot_upd"]),
            )
        indexes: dict[TableRef, list[ExistingIndex]] = defaultdict(list)
        for r in cur.execute(queries.load("indexes")):
            ref = TableRef(r["schema"], r["table_name"])
            indexes[ref].append(
                ExistingIndex(
                    oid=r["oid"],
                    table=ref,
                    name=r["name"],
                    method=r["method"],
                    keys=tuple(r["keys"]),
                    include=tuple(r["include"]),
                    predicate=r["predicate"],
                    definition=r["definition"],
                    is_unique=r["is_unique"],
                    is_primary=r["is_primary"],
                    is_valid=r["is_valid"],
                    size_bytes=int(r["size_bytes"]),
                    scans=int(r["scans"]),
                    sort_options=tuple(r["sort_options"] or ()),
                )
            )
        row = cur.execute(queries.load("search_path")).fetchone()
        search_path = tuple(row["schemas"]) if row else ("public",)
        policies: dict[TableRef, list[Policy]] = defaultdict(list)
        for r in cur.execute(queries.load("policies")):
            ref = TableRef(r["schema"], r["table_name"])
            policies[ref].append(
                Policy(ref, r["name"], r["permissive"], tuple(r["roles"] or ()), r["cmd"],
                       r["qual"], r["with_check"])
            )  # fmt: skip
        created: set[str] = set()
        available: set[str] = set()
        for r in cur.execute(queries.load("extensions")):
            (created if r["created"] else available).add(r["name"])
    return Catalog(
        tables=tables,
        indexes={k: tuple(v) for k, v in indexes.items()},
        search_path=search_path,
        policies={k: tuple(v) for k, v in policies.items()},
        extensions=frozenset(created),
        available_extensions=frozenset(available),
    )
