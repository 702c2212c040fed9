"""Where snapshots are kept: a SQLite file (the default) or a PostgreSQL database (for teams).

Both back ends run the same statements (``queries/snapshot_store_*.sql``, portable SQL with
``%s`` parameters). Several databases share one store, keyed by ``ServerKey``. Every snapshot is
written in one transaction, so a reader never sees half of one, and two runs at the same time
are safe: SQLite runs in WAL mode with a busy timeout and takes its write lock at ``BEGIN
IMMEDIATE``; PostgreSQL serializes the one-time schema creation with an advisory lock.

The store is the advisor's own database. The analysed database is never written to.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg

from advisor.db import queries
from advisor.db.session import safe_message, untrack
from advisor.errors import AdvisorError, ConnectionFailed
from advisor.history.model import (
    IndexRow,
    ServerKey,
    Snapshot,
    SnapshotMeta,
    StatementRow,
    StoredRecommendation,
    TableRow,
)

BUSY_TIMEOUT_SECONDS = 60.0
_LOCK_KEY = 0x61647669  # "advi": the advisory lock the PostgreSQL store's writers share
_SCHEMA = (
    "snapshot_store_create_snapshot",
    "snapshot_store_create_snapshot_key",
    "snapshot_store_create_statement",
    "snapshot_store_create_query",
    "snapshot_store_create_table",
    "snapshot_store_create_index",
    "snapshot_store_create_recommendation",
)
Row = tuple[Any, ...]


class StoreError(AdvisorError):
    """The snapshot store cannot be opened, read or written."""


def default_store_path() -> Path:
    """``history.sqlite3`` in the user's data directory (XDG on Linux, the platform's elsewhere)."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "pg-advisor" / "history.sqlite3"


def is_postgres_target(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_store(target: str | None) -> Store:
    """``None``: the default SQLite file; ``postgresql://...``: a PostgreSQL store; else a path."""
    if target and is_postgres_target(target):
        return Store(_Postgres(target))
    return Store(_Sqlite(Path(target).expanduser() if target else default_store_path()))


class _Sqlite:
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
            self._wal()
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the snapshot store {path}: {exc}") from None

    def _wal(self) -> None:
        """Switch to WAL. Two runs opening a new store at once can make the switch fail with
        'database is locked' at once, without SQLite's busy wait: retry for a while."""
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @staticmethod
    def _text(name: str) -> str:
        return queries.load(name).as_string().replace("%s", "?")

    def execute(self, name: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(self._text(name), tuple(params)).fetchall()

    def executemany(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(self._text(name), [tuple(r) for r in rows])

    @contextlib.contextmanager
    def transaction(self, *, schema: bool = False) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class _Postgres:
    name = "postgresql"

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        try:
            self.conn = psycopg.connect(dsn, autocommit=True, application_name="advisor-store")
        except (psycopg.OperationalError, psycopg.ProgrammingError) as exc:
            raise ConnectionFailed(
                f"cannot connect to the snapshot store: {safe_message(exc, dsn)}"
            ) from None
        untrack(self.conn)  # the store may share a server (and its pg_stat_statements) with prod

    def execute(self, name: str, params: Sequence[Any] = ()) -> list[Row]:
        cur = self.conn.execute(queries.load(name), tuple(params))
        return cur.fetchall() if cur.description else []

    def executemany(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(queries.load(name), [tuple(r) for r in rows])

    @contextlib.contextmanager
    def transaction(self, *, schema: bool = False) -> Iterator[None]:
        with self.conn.transaction():
            if schema:
                self.execute("snapshot_store_pg_lock", (_LOCK_KEY,))
            yield

    def close(self) -> None:
        self.conn.close()


_Backend = _Sqlite | _Postgres


class Store:
    """Save, list, load and prune snapshots; keep the recommendations reports made."""

    def __init__(self, backend: _Backend) -> None:
        self._db = backend
        self._guard(self._create_schema)

    @property
    def location(self) -> str:
        if isinstance(self._db, _Sqlite):
            return str(self._db.path)
        return "PostgreSQL store"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def _guard(self, action: Any, *args: Any) -> Any:
        """Run a store operation; turn driver errors into one-line ``StoreError``s."""
        try:
            return action(*args)
        except sqlite3.OperationalError as exc:
            hint = "another advisor run holds it longer than the busy timeout; retry"
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(f"the snapshot store is busy: {exc}", hint) from None
            raise StoreError(f"snapshot store error: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"snapshot store error: {exc}", "is it an advisor store?") from None
        except psycopg.OperationalError as exc:
            raise StoreError(f"snapshot store error: {safe_message(exc)}") from None
        except psycopg.Error as exc:
            raise StoreError(f"snapshot store error: {safe_message(exc)}") from None

    def _create_schema(self) -> None:
        with self._db.transaction(schema=True):
            for name in _SCHEMA:
                self._db.execute(name)

    # -- writing ------------------------------------------------------------------------------

    def save(self, snapshot: Snapshot) -> None:
        """Write one snapshot in one transaction."""
        self._guard(self._save, snapshot)

    def _save(self, snap: Snapshot) -> None:
        m = snap.meta
        key = m.key
        with self._db.transaction():
            self._db.execute(
                "snapshot_store_insert_snapshot",
                (m.id, key.system_id, key.database, m.taken_at, m.server_version, m.pgss_reset,
                 m.stats_reset, m.database_size, m.statements, m.calls, m.total_exec_ms),
            )  # fmt: skip
            self._db.executemany(
                "snapshot_store_insert_query",
                [(key.system_id, key.database, s.queryid, s.fingerprint, s.query)
                 for s in snap.statements],
            )  # fmt: skip
            self._db.executemany(
                "snapshot_store_insert_statement",
                [(m.id, s.userid, s.queryid, s.calls, s.total_exec_ms, s.total_plan_ms, s.rows,
                  s.shared_blks_hit, s.shared_blks_read, s.temp_blks_written)
                 for s in snap.statements],
            )  # fmt: skip
            self._db.executemany(
                "snapshot_store_insert_table",
                [(m.id, t.oid, t.schema, t.name, t.seq_scan, t.seq_tup_read, t.idx_scan,
                  t.n_tup_ins, t.n_tup_upd, t.n_tup_del, t.n_tup_hot_upd, t.n_live_tup,
                  t.n_dead_tup, t.heap_bytes, t.index_bytes, t.toast_bytes)
                 for t in snap.tables],
            )  # fmt: skip
            self._db.executemany(
                "snapshot_store_insert_index",
                [(m.id, i.oid, i.schema, i.table, i.name, i.method, json.dumps(list(i.keys)),
                  i.definition, i.is_unique, i.is_primary, i.is_valid, i.scans, i.tup_read,
                  i.size_bytes)
                 for i in snap.indexes],
            )  # fmt: skip

    def save_recommendations(self, recommendations: Sequence[StoredRecommendation]) -> None:
        def action() -> None:
            with self._db.transaction():
                self._db.executemany(
                    "snapshot_store_insert_recommendation",
                    [(r.snapshot_id, r.schema, r.table, r.name, r.method, json.dumps(list(r.keys)),
                      r.create_sql, json.dumps(list(r.queryids)))
                     for r in recommendations],
                )  # fmt: skip

        self._guard(action)

    def prune(self, key: ServerKey, older_than: float) -> int:
        """Delete the snapshots of ``key`` taken before ``older_than``; return how many."""

        def action() -> int:
            before = len(self.snapshots(key))
            with self._db.transaction():
                self._db.execute("snapshot_store_prune", (key.system_id, key.database, older_than))
                self._db.execute("snapshot_store_prune_queries", (key.system_id, key.database))
            return before - len(self.snapshots(key))

        return int(self._guard(action))

    # -- reading ------------------------------------------------------------------------------

    def snapshots(self, key: ServerKey) -> tuple[SnapshotMeta, ...]:
        """The headers of one database's snapshots, oldest first."""
        rows = self._guard(self._db.execute, "snapshot_store_list", (key.system_id, key.database))
        return tuple(
            SnapshotMeta(
                id=r[0],
                key=ServerKey(r[1], r[2]),
                taken_at=float(r[3]),
                server_version=r[4],
                pgss_reset=r[5],
                stats_reset=r[6],
                database_size=int(r[7]),
                statements=int(r[8]),
                calls=int(r[9]),
                total_exec_ms=float(r[10]),
            )
            for r in rows
        )

    def load(self, meta: SnapshotMeta) -> Snapshot:
        return Snapshot(meta, self.statements(meta), self.tables(meta), self.indexes(meta))

    def statements(self, meta: SnapshotMeta) -> tuple[StatementRow, ...]:
        rows = self._guard(self._db.execute, "snapshot_store_load_statements", (meta.id,))
        return tuple(
            StatementRow(
                userid=int(r[0]),
                queryid=int(r[1]),
                fingerprint=r[2],
                query=r[3],
                calls=int(r[4]),
                total_exec_ms=float(r[5]),
                total_plan_ms=float(r[6]),
                rows=int(r[7]),
                shared_blks_hit=int(r[8]),
                shared_blks_read=int(r[9]),
                temp_blks_written=int(r[10]),
            )
            for r in rows
        )

    def tables(self, meta: SnapshotMeta) -> tuple[TableRow, ...]:
        rows = self._guard(self._db.execute, "snapshot_store_load_tables", (meta.id,))
        return tuple(TableRow(int(r[0]), r[1], r[2], *(int(v) for v in r[3:])) for r in rows)

    def indexes(self, meta: SnapshotMeta) -> tuple[IndexRow, ...]:
        rows = self._guard(self._db.execute, "snapshot_store_load_indexes", (meta.id,))
        return tuple(
            IndexRow(
                oid=int(r[0]),
                schema=r[1],
                table=r[2],
                name=r[3],
                method=r[4],
                keys=tuple(json.loads(r[5])),
                definition=r[6],
                is_unique=bool(r[7]),
                is_primary=bool(r[8]),
                is_valid=bool(r[9]),
                scans=int(r[10]),
                tup_read=int(r[11]),
                size_bytes=int(r[12]),
            )
            for r in rows
        )

    def recommendations(self, key: ServerKey) -> tuple[StoredRecommendation, ...]:
        rows = self._guard(
            self._db.execute, "snapshot_store_load_recommendations", (key.system_id, key.database)
        )
        return tuple(
            StoredRecommendation(
                snapshot_id=r[0],
                recommended_at=float(r[1]),
                schema=r[2],
                table=r[3],
                name=r[4],
                method=r[5],
                keys=tuple(json.loads(r[6])),
                create_sql=r[7],
                queryids=tuple(int(q) for q in json.loads(r[8])),
            )
            for r in rows
        )
