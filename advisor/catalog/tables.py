"""Tables with their columns and the columns' planner statistics, read by one query each.

Analyze reads them for candidates and size estimates, lint for its schema rules, the MCP
server for its table list: the same ``Table`` and ``Column`` values everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.catalog.rows import build, read
from advisor.db import queries
from advisor.model import Column, Partition, Table, TableRef


def read_tables(conn: psycopg.Connection[Any]) -> dict[TableRef, Table]:
    """Every user relation that has columns (tables, partitioned tables, views, ...)."""
    with conn.cursor(row_factory=dict_row) as cur:
        columns: dict[int, list[Column]] = defaultdict(list)
        for r in cur.execute(queries.load("catalog_columns")):
            columns[r["table_oid"]].append(build(Column, r))
        rows = cur.execute(queries.load("catalog_tables")).fetchall()
    tables: dict[TableRef, Table] = {}
    for r in rows:
        ref = TableRef(r["schema"], r["name"])
        tables[ref] = build(Table, r, ref=ref, columns=tuple(columns.get(r["oid"], ())))
    return tables


def read_partitions(conn: psycopg.Connection[Any]) -> tuple[Partition, ...]:
    """Every partition with its direct parent (``pg_inherits`` of partitioned tables)."""
    return read(
        conn,
        "partitions",
        Partition,
        table=("schema", "name"),
        parent=("parent_schema", "parent_name"),
    )
