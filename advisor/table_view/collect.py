"""Read one table's facts from the live database: statistics, sizes, indexes, locks.

Locks and statistics are read first and take no lock. Sizes need an AccessShareLock; when the
table is locked exclusively (the very case someone asks "why is this table slow"), they are
estimated from ``relpages`` instead of waiting, and the view says so.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.db import queries
from advisor.model import TableRef
from advisor.table_view.findings import index_findings
from advisor.table_view.model import ColumnInfo, IndexInfo, LockInfo, Sizes, TableStats


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
    stats = TableStats(
        kind=r["kind"],
        reltuples=float(r["reltuples"]),
        live_rows=r["n_live_tup"],
        dead_rows=r["n_dead_tup"],
        modified_since_analyze=r["n_mod_since_analyze"],
        last_vacuum=r["last_vacuum"],
        last_autovacuum=r["last_autovacuum"],
        last_analyze=r["last_analyze"],
        last_autoanalyze=r["last_autoanalyze"],
        vacuum_count=_int(r["vacuum_count"]),
        autovacuum_count=_int(r["autovacuum_count"]),
        analyze_count=_int(r["analyze_count"]),
        autoanalyze_count=_int(r["autoanalyze_count"]),
        seq_scans=_int(r["seq_scan"]),
        seq_rows_read=_int(r["seq_tup_read"]),
        index_scans=_int(r["idx_scan"]),
        index_rows_fetched=_int(r["idx_tup_fetch"]),
        inserted=_int(r["n_tup_ins"]),
        updated=_int(r["n_tup_upd"]),
        deleted=_int(r["n_tup_del"]),
        hot_updated=_int(r["n_tup_hot_upd"]),
        stats_reset=r["stats_reset"],
    )
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


def _sizes_or_none(
    conn: psycopg.Connection[Any], oid: int
) -> tuple[dict[str, Any] | None, dict[int, int]]:
    """Exact sizes, or (None, {}) when the table or an index is locked past the lock timeout."""
    try:
        with conn.cursor(row_factory=dict_row) as cur:
            table = cur.execute(queries.load("table_sizes"), (oid,)).fetchone()
            indexes = {
                int(r["oid"]): int(r["size_bytes"])
                for r in cur.execute(queries.load("table_index_sizes"), (oid,))
            }
    except psycopg.errors.LockNotAvailable:
        return None, {}
    return table, indexes


def _index_rows(conn: psycopg.Connection[Any], oid: int) -> list[dict[str, Any]]:
    """Index rows with definitions, or without (lock-free) when the table is locked."""
    try:
        with conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(queries.load("table_indexes"), (oid,)).fetchall()
    except psycopg.errors.LockNotAvailable:
        with conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(queries.load("table_indexes_locked"), (oid,)).fetchall()
        for r in rows:
            unique = "UNIQUE " if r["is_unique"] else ""
            r["definition"] = f"{unique}INDEX {r['name']} USING {r['method']} " + (
                f"({', '.join(r['keys'])})"
            )
        return rows


def read_table(
    conn: psycopg.Connection[Any], oid: int
) -> tuple[TableStats, Sizes, tuple[IndexInfo, ...], tuple[LockInfo, ...]]:
    index_rows = _index_rows(conn, oid)
    locks = read_locks(conn, [oid, *(int(r["oid"]) for r in index_rows)])
    stats, heap_estimate = read_stats(conn, oid)
    table_sizes, index_sizes = _sizes_or_none(conn, oid)
    if table_sizes is not None:
        sizes = Sizes(
            _int(table_sizes["heap_bytes"]),
            _int(table_sizes["index_bytes"]),
            _int(table_sizes["toast_bytes"]),
            exact=True,
        )
    else:
        estimate = sum(_int(r["size_estimate"]) for r in index_rows)
        sizes = Sizes(heap_estimate, estimate, 0, exact=False)
    plain = [
        IndexInfo(
            name=r["name"],
            method=r["method"],
            keys=tuple(r["keys"]),
            include=tuple(r["include"]),
            predicate=r["predicate"],
            definition=r["definition"],
            is_unique=r["is_unique"],
            is_primary=r["is_primary"],
            is_valid=r["is_valid"],
            backs_constraint=r["backs_constraint"],
            size_bytes=index_sizes.get(int(r["oid"]), _int(r["size_estimate"])),
            scans=_int(r["scans"]),
            tuples_read=_int(r["tup_read"]),
        )
        for r in index_rows
    ]
    return stats, sizes, index_findings(plain, stats), locks


def read_columns(
    conn: psycopg.Connection[Any], oid: int, indexes: tuple[IndexInfo, ...]
) -> tuple[ColumnInfo, ...]:
    """The table's columns with their pg_stats figures and the indexes that lead with each."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(queries.load("table_columns"), (oid,)).fetchall()
    return tuple(
        ColumnInfo(
            name=r["name"],
            type=r["type"],
            not_null=r["not_null"],
            null_frac=r["null_frac"],
            n_distinct=r["n_distinct"],
            correlation=r["correlation"],
            avg_width=r["avg_width"],
            leads=tuple(i.name for i in indexes if i.keys and i.keys[0] == r["name"]),
        )
        for r in rows
    )
