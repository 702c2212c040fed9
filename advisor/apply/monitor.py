"""Progress of a running build, read from ``pg_stat_progress_create_index`` on a second connection.

The building connection is busy for the whole ``CREATE INDEX CONCURRENTLY``, so a thread polls
the progress view for that backend's pid from its own read-only session and hands each sample
to a sink (a terminal bar, or a test). Progress is a courtesy: any error here stops the polling
and never touches the build.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import psycopg
from psycopg.rows import class_row

from advisor.db import queries, session
from advisor.errors import AdvisorError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProgressSample:
    """One row of ``pg_stat_progress_create_index`` for the building backend."""

    phase: str
    lockers_total: int
    lockers_done: int
    blocks_total: int
    blocks_done: int
    tuples_total: int
    tuples_done: int

    def work(self) -> tuple[int, int]:
        """(done, total) of the current phase: blocks, else tuples, else lockers waited for."""
        for done, total in (
            (self.blocks_done, self.blocks_total),
            (self.tuples_done, self.tuples_total),
            (self.lockers_done, self.lockers_total),
        ):
            if total:
                return min(done, total), total
        return 0, 0


class ProgressSink(Protocol):
    """Where progress goes. ``update`` is called from the monitor's thread."""

    def begin(self, label: str) -> None: ...

    def update(self, sample: ProgressSample) -> None: ...

    def end(self) -> None: ...


class Monitor:
    """``with Monitor(dsn, pid, sink):`` polls while the block runs, then stops and joins."""

    def __init__(
        self, dsn: str | None, pid: int, sink: ProgressSink, interval_s: float = 0.5
    ) -> None:
        self.dsn = dsn
        self.pid = pid
        self.sink = sink
        self.interval_s = interval_s
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="advisor-progress", daemon=True)

    def __enter__(self) -> Monitor:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            conn = session.connect(self.dsn, statement_timeout_ms=5_000, lock_timeout_ms=1_000)
        except AdvisorError as exc:
            log.debug("progress monitor cannot connect: %s", exc)
            return
        try:
            self._poll(conn)
        except psycopg.Error as exc:
            log.debug("progress monitor stopped: %s", session.safe_message(exc))
        finally:
            conn.close()

    def _poll(self, conn: psycopg.Connection[Any]) -> None:
        query = queries.load("apply_progress")
        while not self._stop.is_set():
            with conn.cursor(row_factory=class_row(ProgressSample)) as cur:
                row = cur.execute(query, {"pid": self.pid}).fetchone()
            if row is not None:
                self.samples += 1
                self.sink.update(row)
            self._stop.wait(self.interval_s)
