"""Tables, columns with their statistics, and existing indexes, read once per analysis.

Tables, columns and indexes come from the one catalog layer (``advisor.catalog``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.catalog import indexes as index_reader
from advisor.catalog.policies import read_policies
from advisor.catalog.rows import by_table, resolve
from advisor.catalog.tables import read_tables
from advisor.db import queries
from advisor.model import ExistingIndex, Policy, Table, TableRef


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
        return resolve(self.tables, self.search_path, schema, name)

    def indexes_of(self, ref: TableRef) -> tuple[ExistingIndex, ...]:
        return self.indexes.get(ref, ())


def read_catalog(conn: psycopg.Connection[Any]) -> Catalog:
    tables = read_tables(conn)
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(queries.load("search_path")).fetchone()
        search_path = tuple(row["schemas"]) if row else ("public",)
        created: set[str] = set()
        available: set[str] = set()
        for r in cur.execute(queries.load("extensions")):
            (created if r["created"] else available).add(r["name"])
    return Catalog(
        tables=tables,
        indexes=by_table(index_reader.read_indexes(conn)),
        search_path=search_path,
        policies=by_table(read_policies(conn)),
        extensions=frozenset(created),
        available_extensions=frozenset(available),
    )
