"""Paired, interleaved timings: an instance with and without a set of indexes, back to back.

Sequential passes time the baseline and each set minutes apart, under different cache and
machine states; on a 2-vCPU VM unchanged plans moved by up to 35 % between passes, which no
"slower than before" verdict can see through. Here, with the set built, every instance runs
without it (its indexes dropped inside a transaction that is rolled back: the planner does not
see them, nothing is rebuilt) and with it, one right after the other, the order alternating from
run to run (ABBA). Both sides of a pair meet the same cache and the same neighbours, so a ratio
that stays above 1 in every pair is the set's doing. An instance that times out without the set
(Q17 and Q20 at scale factor 1) is run without it once and counted at the timeout after that.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from benchmarks.tpch import build, replay
from benchmarks.tpch.queries import TpchQuery

Key = tuple[int, int]


@dataclass(frozen=True)
class Pairs:
    """One instance's pairs: seconds without and with the set, run by run (None: timed out)."""

    without: tuple[float | None, ...]
    with_set: tuple[float | None, ...]
    timeout_s: float

    def _secs(self, value: float | None) -> float:
        return self.timeout_s if value is None else value

    @property
    def ratios(self) -> list[float]:
        return [
            self._secs(w) / max(self._secs(o), 1e-6)
            for o, w in zip(self.without, self.with_set, strict=True)
        ]

    @property
    def ratio(self) -> float:
        """The median of the pairs' ratios (with / without)."""
        return statistics.median(self.ratios)

    def slower(self, target: float) -> bool:
        """Slower in every pair, and ``target`` times slower or more in the median pair."""
        return min(self.ratios) > 1.0 and self.ratio > target

    @property
    def median_without(self) -> float:
        return statistics.median(self._secs(v) for v in self.without)

    @property
    def median_with(self) -> float:
        return statistics.median(self._secs(v) for v in self.with_set)


def totals(pairs: Mapping[Key, Pairs]) -> tuple[float, float]:
    """Seconds without and with the set: the sums of the instances' medians."""
    return (
        sum(p.median_without for p in pairs.values()),
        sum(p.median_with for p in pairs.values()),
    )


class PairedRunner:
    """Times instances in pairs; one per benchmark, so that what times out without any set is
    tried once whatever the number of sets."""

    def __init__(self, dsn: str, timeout_s: float, runs: int) -> None:
        self.dsn = dsn
        self.timeout_s = timeout_s
        self.runs = runs  # pairs per instance
        self.always_times_out: set[Key] = set()  # without any set: known after one try

    def _without(
        self, conn: psycopg.Connection[Any], q: TpchQuery, drop: sql.Composed
    ) -> float | None:
        if q.key in self.always_times_out:
            return None
        with conn.transaction(force_rollback=True):
            conn.execute(drop)
            seconds = replay.timed(conn, q)
        if seconds is None:
            self.always_times_out.add(q.key)
        return seconds

    def pairs(
        self, instances: Sequence[TpchQuery], built: Sequence[build.BuiltIndex]
    ) -> dict[Key, Pairs]:
        """Each instance's pairs; none when no index of the set could be built."""
        names = [sql.Identifier(i.schema, i.name) for i in built if i.error is None]
        if not names:
            return {}
        drop = sql.SQL("DROP INDEX {}").format(sql.SQL(", ").join(names))
        without: dict[Key, list[float | None]] = {q.key: [] for q in instances}
        with_set: dict[Key, list[float | None]] = {q.key: [] for q in instances}
        replay.settle(self.dsn)
        replay.warm_up(self.dsn, instances, self.timeout_s)
        with replay.connect(self.dsn, tracked=False, timeout_s=self.timeout_s) as conn:
            conn.autocommit = False
            for run in range(self.runs):
                for q in instances:
                    if run % 2 == 0:  # ABBA: without first, then with first
                        without[q.key].append(self._without(conn, q, drop))
                        with_set[q.key].append(self._timed(conn, q))
                    else:
                        with_set[q.key].append(self._timed(conn, q))
                        without[q.key].append(self._without(conn, q, drop))
        return {k: Pairs(tuple(without[k]), tuple(with_set[k]), self.timeout_s) for k in without}

    def _timed(self, conn: psycopg.Connection[Any], q: TpchQuery) -> float | None:
        with conn.transaction(force_rollback=True):
            return replay.timed(conn, q)
