"""Tables, columns with their statistics, and existing indexes, read once per analysis.

Indexes come from the one index reader, ``advisor.catalog.indexes``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.catalog import indexes as index_reader
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
        indexes=index_reader.by_table(index_reader.read_indexes(conn)),
        search_path=search_path,
        policies={k: tuple(v) for k, v in policies.items()},
        extensions=frozenset(created),
        available_extensions=frozenset(available),
    )
