"""Read one table's facts from the live database: statistics, sizes, indexes, locks.

Locks and statistics are read first and take no lock. Sizes need an AccessShareLock; when the
table is locked exclusively (the very case someone asks "why is this table slow"), they are
estimated from ``relpages`` instead of waiting, and the view says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.catalog.indexes import read_indexes, read_indexes_lock_free
from advisor.catalog.rows import build, read
from advisor.db import queries
from advisor.model import ExistingIndex, TableRef
from advisor.table_view.model import ColumnInfo, LockInfo, Sizes, TableStats


def candidates(conn: psycopg.Connection[Any]) -> dict[TableRef, int]:
    """Every nameable table and its oid."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(queries.load("table_candidates")).fetchall()
    return {TableRef(r["schema"], r["name"]): int(r["oid"]) for r in rows}


def _int(value: Any) -> int:
    return int(value or 0)


def read_stats(conn: psycopg.Connection[Any], oid: int) -> tuple[TableStats, int]:
    """The table's statistics, and its heap size estimated from relpages."""
    with conn.cursor(row_factory=dict_row) as cur:
        r = cur.execute(queries.load("table_stats"), (oid,)).fetchone()
    assert r is not None
    stats = build(TableStats, r)
    return stats, _int(r["heap_estimate"])


def read_locks(conn: psycopg.Connection[Any], oids: list[int]) -> tuple[LockInfo, ...]:
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(queries.load("table_locks"), (oids,)).fetchall()
    return tuple(
        LockInfo(
            pid=r["pid"],
            relation=r["relation"],
            mode=r["mode"],
            granted=r["granted"],
            username=r["username"],
            application=r["application_name"] or None,
            state=r["state"],
            wait_event=":".join(x for x in (r["wait_event_type"], r["wait_event"]) if x) or None,
            transaction_seconds=r["xact_seconds"],
            query_seconds=r["query_seconds"],
            query=r["query"],
            blocked_by=tuple(r["blocked_by"] or ()),
        )
        for r in rows
    )


def _sizes_or_none(conn: psycopg.Connection[Any], oid: int) -> dict[str, Any] | None:
    """Exact sizes, or None when the table is locked past the lock timeout."""
    try:
        with conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(queries.load("table_sizes"), (oid,)).fetchone()
    except psycopg.errors.LockNotAvailable:
        return None


def _indexes(conn: psycopg.Connection[Any], oid: int) -> tuple[ExistingIndex, ...]:
    """The table's indexes from the one index reader, or its lock-free variant when locked."""
    try:
        return read_indexes(conn, table_oid=oid)
    except psycopg.errors.LockNotAvailable:
        return read_indexes_lock_free(conn, oid)


def read_table(
    conn: psycopg.Connection[Any], oid: int
) -> tuple[TableStats, Sizes, tuple[ExistingIndex, ...], tuple[LockInfo, ...]]:
    indexes = _indexes(conn, oid)
    locks = read_locks(conn, [oid, *(i.oid for i in indexes)])
    stats, heap_estimate = read_stats(conn, oid)
    table_sizes = _sizes_or_none(conn, oid)
    if table_sizes is not None and all(i.size_exact for i in indexes):
        sizes = Sizes(
            _int(table_sizes["heap_bytes"]),
            _int(table_sizes["index_bytes"]),
            _int(table_sizes["toast_bytes"]),
            exact=True,
        )
    else:
        sizes = Sizes(heap_estimate, sum(i.size_bytes for i in indexes), 0, exact=False)
    return stats, sizes, indexes, locks


def read_columns(
    conn: psycopg.Connection[Any], oid: int, indexes: tuple[ExistingIndex, ...]
) -> tuple[ColumnInfo, ...]:
    """The table's columns with their pg_stats figures and the indexes that lead with each."""
    return tuple(
        replace(column, leads=tuple(i.name for i in indexes if i.keys[:1] == (column.name,)))
        for column in read(conn, "table_columns", ColumnInfo, {"oid": oid})
    )
