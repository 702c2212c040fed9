"""Watch the server backends of ``advisor analyze`` from another session, as a DBA would.

Every ``interval_s`` one query of ``pg_stat_activity`` finds the backends named ``advisor``
(``application_name``); for each, ``/proc`` gives its CPU time (user + system) and private memory
(``RssAnon``), and, when asked, ``pg_locks`` the locks it holds at that moment. The server must
run on this machine (the benchmarks' throwaway clusters do). Samples miss what happens between
two of them: CPU time and memory are the peaks seen, a backend's CPU time up to its last sample.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

_ADVISOR = "SELECT pid FROM pg_stat_activity WHERE application_name = 'advisor'"
_LOCKS = (
    "SELECT pid, locktype, mode, count(*) FROM pg_locks WHERE pid = ANY(%s) AND granted"
    " GROUP BY 1, 2, 3"
)


def _proc_stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def rss_anon_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class AdvisorBackends:
    dsn: str
    interval_s: float = 0.1
    locks: bool = False
    pids: set[int] = field(default_factory=set)  # every advisor backend seen
    ticks: dict[int, int] = field(default_factory=dict)  # pid -> utime + stime, latest seen
    peak_rss_kb: int = 0
    lock_modes: Counter[tuple[str, str]] = field(default_factory=Counter)  # samples holding it
    max_locks: int = 0  # the most locks one backend held in one sample
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @property
    def cpu_seconds(self) -> float:
        return sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK")

    def start(self) -> AdvisorBackends:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> AdvisorBackends:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        options = "-c pg_stat_statements.track=none"  # the watcher leaves no trace either
        with psycopg.connect(self.dsn, autocommit=True, options=options) as conn:
            while not self._stop.wait(self.interval_s):
                self._sample(conn)

    def _sample(self, conn: psycopg.Connection[Any]) -> None:
        pids = [int(pid) for (pid,) in conn.execute(_ADVISOR).fetchall()]
        self.samples += 1
        for pid in pids:
            self.pids.add(pid)
            fields = _proc_stat(pid)
            if fields is not None:
                used = int(fields[11]) + int(fields[12])  # utime + stime
                self.ticks[pid] = max(self.ticks.get(pid, 0), used)
            self.peak_rss_kb = max(self.peak_rss_kb, rss_anon_kb(pid))
        if self.locks and pids:
            held: Counter[int] = Counter()
            for pid, locktype, mode, count in conn.execute(_LOCKS, (pids,)).fetchall():
                self.lock_modes[(str(locktype), str(mode))] += 1
                held[int(pid)] += int(count)
            self.max_locks = max([self.max_locks, *held.values()])


@dataclass(frozen=True)
class Statements:
    """pg_stat_statements seen from an untracked session (reading it adds nothing)."""

    entries: int  # of the connected database
    cluster_entries: int  # of every database: what pg_stat_statements.max bounds
    dealloc: int | None  # pg_stat_statements_info.dealloc (14+)


def statement_counts(dsn: str) -> Statements:
    options = "-c pg_stat_statements.track=none"
    with psycopg.connect(dsn, autocommit=True, options=options) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE d.datname = pg_catalog.current_database()), count(*)"
            " FROM pg_stat_statements s LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid"
        ).fetchone()
        assert row is not None
        dealloc = None
        if conn.info.server_version >= 140000:
            got = conn.execute("SELECT dealloc FROM pg_stat_statements_info").fetchone()
            dealloc = int(got[0]) if got else None
    return Statements(int(row[0]), int(row[1]), dealloc)
