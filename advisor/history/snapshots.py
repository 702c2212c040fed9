"""``advisor snapshot``: read the live database once and keep the result in the store.

The read runs on the usual read-only analysis session (timeouts, ``application_name``); only
the store is written. Retention prunes this database's older snapshots in the same run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg

from advisor.collect import server as server_mod
from advisor.db import session
from advisor.errors import AdvisorError, AnalysisAborted
from advisor.history import capture
from advisor.history.model import Snapshot
from advisor.history.store import Store
from advisor.progress import Progress


@dataclass(frozen=True)
class Taken:
    snapshot: Snapshot
    pruned: int


def open_session(
    dsn: str | None, *, statement_timeout_ms: int = 30_000, lock_timeout_ms: int = 1_000
) -> psycopg.Connection[Any]:
    return session.connect(
        dsn, statement_timeout_ms=statement_timeout_ms, lock_timeout_ms=lock_timeout_ms
    )


def read_snapshot(
    conn: psycopg.Connection[Any],
    *,
    taken_at: float | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """Preflight (pg_stat_statements needed, HypoPG not), then read a snapshot."""
    server = server_mod.check(conn, require_hypopg=False)
    try:
        return capture.take(conn, server, taken_at=taken_at, progress=progress)
    except psycopg.errors.LockNotAvailable:
        raise AdvisorError(
            "a table is locked exclusively: its size cannot be read within the lock timeout",
            "retry later, or raise --lock-timeout",
        ) from None
    except psycopg.errors.QueryCanceled:
        raise AdvisorError(
            "reading the statistics took longer than the statement timeout",
            "raise --statement-timeout",
        ) from None
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(
            f"connection lost during the snapshot: {session.safe_message(exc)}"
        ) from None


def take_snapshot(
    dsn: str | None,
    store: Store,
    *,
    retention_seconds: float | None = None,
    taken_at: float | None = None,
    statement_timeout_ms: int = 30_000,
    lock_timeout_ms: int = 1_000,
    progress: Progress | None = None,
) -> Taken:
    """Snapshot the database at ``dsn`` into ``store``; prune snapshots past the retention."""
    conn = open_session(
        dsn, statement_timeout_ms=statement_timeout_ms, lock_timeout_ms=lock_timeout_ms
    )
    try:
        snap = read_snapshot(conn, taken_at=taken_at, progress=progress)
    finally:
        conn.close()
    if progress is not None:
        progress.note(f"saving {len(snap.statements)} statements to {store.location}")
    store.save(snap)
    pruned = 0
    if retention_seconds:
        now = taken_at if taken_at is not None else time.time()
        pruned = store.prune(snap.meta.key, now - retention_seconds)
    return Taken(snap, pruned)
