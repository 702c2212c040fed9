"""Read one snapshot of the connected database: statements, table and index counters, sizes.

Everything is read in one read-only transaction, so ``now()`` and the statistics belong to one
moment. Statement texts get the parser's fingerprint here, once, so that reports can merge the
queryids of one statement (int4 and int8 binds) without parsing again.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from advisor.catalog.indexes import read_indexes
from advisor.catalog.rows import build
from advisor.collect.server import Server
from advisor.db import queries
from advisor.errors import PreflightError
from advisor.history.model import (
    IndexRow,
    ServerKey,
    Snapshot,
    SnapshotMeta,
    StatementRow,
    TableRow,
)
from advisor.progress import Progress
from advisor.sources.sqltext import fingerprint


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def server_key(conn: psycopg.Connection[Any]) -> ServerKey:
    """The store key of the connected database."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(queries.load("snapshot_server")).fetchone()
    assert row is not None
    return ServerKey(row["system_id"], row["database"])


def pgss_schema(server: Server) -> str:
    """The schema of pg_stat_statements; the preflight (``require_pgss``) guarantees one."""
    if server.pgss_schema is None:
        raise PreflightError(
            "pg_stat_statements is not available", "run: CREATE EXTENSION pg_stat_statements;"
        )
    return server.pgss_schema


def _pgss_reset(conn: psycopg.Connection[Any], server: Server) -> float | None:
    """pg_stat_statements_info.stats_reset, where the view exists (PostgreSQL 14 / pgss 1.9)."""
    if server.info.version_num < 140000:
        return None
    info = sql.Identifier(pgss_schema(server), "pg_stat_statements_info")
    try:
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(queries.load("statements_info").format(pgss_info=info)).fetchone()
    except psycopg.errors.UndefinedTable:
        return None  # an old extension version on a new server
    return _epoch(row["stats_reset"]) if row else None


def take(
    conn: psycopg.Connection[Any],
    server: Server,
    *,
    taken_at: float | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """Read a snapshot. ``taken_at`` overrides the server's clock (for replaying history)."""
    progress = progress or Progress(enabled=False)
    pgss_reset = _pgss_reset(conn, server)
    pgss = sql.Identifier(pgss_schema(server), "pg_stat_statements")
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        progress.note("reading the server")
        head = cur.execute(queries.load("snapshot_server")).fetchone()
        assert head is not None
        progress.note("reading pg_stat_statements")
        stmt_rows = cur.execute(queries.load("snapshot_statements").format(pgss=pgss)).fetchall()
        progress.note("reading table statistics and sizes")
        table_rows = cur.execute(queries.load("snapshot_tables")).fetchall()
        progress.note("reading index statistics and sizes")
        index_facts = read_indexes(conn)
    statements = tuple(
        build(
            StatementRow,
            r,
            fingerprint=fingerprint(r["query"] or ""),
            query=r["query"] or "",
            total_plan_ms=r["total_plan_ms"] or 0.0,
        )
        for r in progress.track(stmt_rows, "fingerprinting statements")
    )
    tables = tuple(build(TableRow, r) for r in table_rows)
    indexes = tuple(
        build(IndexRow, vars(i), schema=i.table.schema, table=i.table.name)
        for i in index_facts
        if i.kind != "I"  # a partitioned index: its leaves are counted, each on its own
    )
    meta = SnapshotMeta(
        id=uuid.uuid4().hex,
        key=ServerKey(head["system_id"], head["database"]),
        taken_at=taken_at if taken_at is not None else head["taken_at"].timestamp(),
        server_version=head["server_version"],
        pgss_reset=pgss_reset,
        stats_reset=_epoch(head["stats_reset"]),
        database_size=int(head["database_size"]),
        statements=len(statements),
        calls=sum(s.calls for s in statements),
        total_exec_ms=sum(s.total_exec_ms for s in statements),
    )
    return Snapshot(meta, statements, tables, indexes)
