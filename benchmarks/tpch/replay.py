"""Run the queries for real: the replay that fills pg_stat_statements doubles as the timing.

Each run executes every query (or instance: template x parameter set) once, in order, on one
connection with ``statement_timeout``; a cancelled query counts as a timeout (``None``) and is,
as on any server, not recorded by pg_stat_statements.

Every timed pass starts from a settled, warm machine. ``settle``: a checkpoint and the kernel's
writeback done first, so that the pass after an index build does not share the disk with the
build's dirty pages being written out, which the pass before it never had to. ``warm_up``: one
untracked, untimed pass over one instance of each template (each capped at
``WARM_UP_TIMEOUT_S``), so that the first timed pass does not pay for filling shared_buffers
alone: run right after the load, the baseline read its tables from the page cache into empty
buffers, and unchanged plans (Q1, Q18) ran 25-40 % faster in the passes after it.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg import errors

from benchmarks.tpch.queries import TpchQuery

Say = Callable[[str], None]
UNTRACKED = "-c pg_stat_statements.track=none"
K = TypeVar("K")


@dataclass(frozen=True)
class Timing:
    """The wall times of one query over the runs, in seconds; ``None`` where it timed out."""

    number: int
    seconds: tuple[float | None, ...]
    timeout_s: float
    param_set: int = 1

    @property
    def timed_out(self) -> bool:
        return any(s is None for s in self.seconds)

    @property
    def completed(self) -> bool:
        """Finished at least once, so pg_stat_statements recorded it."""
        return any(s is not None for s in self.seconds)

    def _values(self) -> list[float]:
        # A timeout took at least the timeout: count it as such for medians and spreads.
        return [self.timeout_s if s is None else s for s in self.seconds]

    @property
    def median(self) -> float:
        return statistics.median(self._values())

    @property
    def spread(self) -> float:
        values = self._values()
        return max(values) - min(values)


def connect(dsn: str, *, tracked: bool, timeout_s: float | None = None) -> psycopg.Connection[Any]:
    """A plain session; ``tracked=False`` keeps its statements out of pg_stat_statements.

    Settings go in the startup packet (``options``), so no SET shows up in the workload.
    """
    options = [] if tracked else [UNTRACKED]
    if timeout_s is not None:
        options.append(f"-c statement_timeout={int(timeout_s * 1000)}")
    if not options:
        return psycopg.connect(dsn, autocommit=True)
    return psycopg.connect(dsn, autocommit=True, options=" ".join(options))


def run_queries(
    dsn: str,
    queries: Sequence[TpchQuery],
    *,
    runs: int,
    timeout_s: float,
    say: Say,
    tracked: bool = True,
) -> dict[int, Timing]:
    """Execute every query ``runs`` times (round-robin), fetching all rows; time each one."""
    found = _run(dsn, [(q.number, q) for q in queries], runs, timeout_s, say, tracked)
    return {n: Timing(n, t, timeout_s) for n, t in found.items()}


def run_instances(
    dsn: str,
    instances: Sequence[TpchQuery],
    *,
    runs: int,
    timeout_s: float,
    say: Say,
    tracked: bool = True,
) -> dict[tuple[int, int], Timing]:
    """``run_queries`` for the instances of templates, keyed by (number, parameter set)."""
    found = _run(dsn, [(q.key, q) for q in instances], runs, timeout_s, say, tracked)
    return {k: Timing(k[0], t, timeout_s, k[1]) for k, t in found.items()}


def settle(dsn: str) -> None:
    """Flush what earlier steps wrote: ``CHECKPOINT`` (from an untracked session, so that the
    workload does not see it), then ``sync``. Without the right to checkpoint, the sync alone."""
    # a role without pg_checkpoint: the server's own checkpoints do
    with connect(dsn, tracked=False) as conn, contextlib.suppress(errors.InsufficientPrivilege):
        conn.execute("CHECKPOINT")
    os.sync()


WARM_UP_TIMEOUT_S = 10.0


def warm_up(dsn: str, queries: Sequence[TpchQuery], timeout_s: float) -> None:
    """Run one instance of each template once, untracked and untimed; a cancelled one has read
    what it read."""
    firsts = {q.number: q for q in reversed(queries)}  # the first instance of each template
    with connect(dsn, tracked=False, timeout_s=min(timeout_s, WARM_UP_TIMEOUT_S)) as conn:
        for q in sorted(firsts.values(), key=lambda q: q.number):
            with contextlib.suppress(errors.QueryCanceled):
                conn.execute(q.sql.encode()).fetchall()


def timed(conn: psycopg.Connection[Any], q: TpchQuery) -> float | None:
    """Seconds to run ``q`` and fetch its rows; None when ``statement_timeout`` cancelled it."""
    started = time.perf_counter()
    try:
        conn.execute(q.sql.encode()).fetchall()
    except errors.QueryCanceled:
        return None
    return time.perf_counter() - started


def _run(
    dsn: str,
    keyed: Sequence[tuple[K, TpchQuery]],
    runs: int,
    timeout_s: float,
    say: Say,
    tracked: bool,
) -> dict[K, tuple[float | None, ...]]:
    times: dict[K, list[float | None]] = {k: [] for k, _ in keyed}
    if len(times) != len(keyed):
        raise ValueError("two statements with the same key")
    settle(dsn)
    warm_up(dsn, [q for _, q in keyed], timeout_s)
    with connect(dsn, tracked=tracked, timeout_s=timeout_s) as conn:
        for run in range(1, runs + 1):
            total = 0.0
            for key, q in keyed:
                elapsed = timed(conn, q)
                times[key].append(elapsed)
                total += timeout_s if elapsed is None else elapsed
            timeouts = sum(1 for k, _ in keyed if times[k][-1] is None)
            say(f"  run {run}/{runs}: {total:.1f} s, {timeouts} timed out")
    return {k: tuple(t) for k, t in times.items()}


NOISE_FLOOR_S = 0.010
NOISE_FRACTION = 0.10


def noise(before: Timing, after: Timing) -> float:
    """How much slower a query may get before we call it slower, in seconds.

    The larger of the run-to-run spreads (max - min) before and after, 10 % of the median
    before, and 10 ms: with a single run there is no spread, and short queries jitter.
    """
    return max(before.spread, after.spread, NOISE_FRACTION * before.median, NOISE_FLOOR_S)


def got_slower(before: Timing, after: Timing) -> bool:
    """Slower by more than noise; a query that timed out both times is not called slower."""
    if all(s is None for s in before.seconds) and all(s is None for s in after.seconds):
        return False
    return after.median - before.median > noise(before, after)
