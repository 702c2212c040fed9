"""Paired, interleaved timings: every TPC-H instance with and without an advised set, back to back.

The benchmark's passes time the baseline and each built set minutes apart, under different
cache and machine states; on a 2-vCPU VM unchanged plans moved by up to 35 % between passes,
which no "slower than before" verdict can see through. Here the set is built once, and every
instance runs without it (its indexes dropped inside a transaction that is rolled back: the
planner does not see them, nothing is rebuilt) and with it, one right after the other, the order
alternating from run to run (ABBA). Both sides of a pair meet the same cache and the same
neighbours, so a ratio that stays above 1 in every pair is the set's doing.

An instance that times out without the set (Q17 and Q20 at scale factor 1) is run without it
once and counted at the timeout after that: it would only time out again.

    python -m benchmarks.tpch.paired --dsn DSN --advice advice-250MB.json [--advice ...]
        [--runs 2] [--param-sets 3] [--timeout 60] [--write-docs docs/benchmarks.md]

The database is one the TPC-H benchmark kept (``--keep``), with its ``advice-*.json`` files.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors, sql

from benchmarks.tpch import build, params, replay
from benchmarks.tpch.bench import DEFAULT_PARAM_SETS
from benchmarks.tpch.queries import TpchQuery
from benchmarks.tpch.report import TARGET_SLOWER, table, write_docs

BEGIN = "<!-- BEGIN tpch-paired (written by python -m benchmarks.tpch.paired --write-docs) -->"
END = "<!-- END tpch-paired -->"
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

    @property
    def slower(self) -> bool:
        """Slower in every pair, and by more than the target in the median pair."""
        return min(self.ratios) > 1.0 and self.ratio > TARGET_SLOWER

    def median(self, side: tuple[float | None, ...]) -> float:
        return statistics.median(self._secs(v) for v in side)


@dataclass(frozen=True)
class PairedSet:
    label: str
    indexes: tuple[build.BuiltIndex, ...]
    pairs: dict[Key, Pairs]


class _Runner:
    def __init__(self, dsn: str, timeout_s: float) -> None:
        self.dsn = dsn
        self.timeout_s = timeout_s
        self.always_times_out: set[Key] = set()  # without any set: known after one try

    def _once(self, conn: psycopg.Connection[Any], q: TpchQuery) -> float | None:
        started = time.perf_counter()
        try:
            conn.execute(q.sql.encode()).fetchall()
        except errors.QueryCanceled:
            return None
        return time.perf_counter() - started

    def _without(
        self, conn: psycopg.Connection[Any], q: TpchQuery, drop: sql.Composed
    ) -> float | None:
        if q.key in self.always_times_out:
            return None
        with conn.transaction(force_rollback=True):
            conn.execute(drop)
            seconds = self._once(conn, q)
        if seconds is None:
            self.always_times_out.add(q.key)
        return seconds

    def pairs(
        self, instances: Sequence[TpchQuery], built: Sequence[build.BuiltIndex], runs: int
    ) -> dict[Key, Pairs]:
        names = [sql.Identifier(i.schema, i.name) for i in built if i.error is None]
        drop = sql.SQL("DROP INDEX {}").format(sql.SQL(", ").join(names))
        without: dict[Key, list[float | None]] = {q.key: [] for q in instances}
        with_set: dict[Key, list[float | None]] = {q.key: [] for q in instances}
        replay.settle(self.dsn)
        replay.warm_up(self.dsn, instances, self.timeout_s)
        conn = replay.connect(self.dsn, tracked=False, timeout_s=self.timeout_s)
        conn.autocommit = False
        try:
            for run in range(runs):
                for q in instances:
                    if run % 2 == 0:  # ABBA: without first, then with first
                        without[q.key].append(self._without(conn, q, drop))
                        with_set[q.key].append(self._timed(conn, q))
                    else:
                        with_set[q.key].append(self._timed(conn, q))
                        without[q.key].append(self._without(conn, q, drop))
        finally:
            conn.close()
        return {k: Pairs(tuple(without[k]), tuple(with_set[k]), self.timeout_s) for k in without}

    def _timed(self, conn: psycopg.Connection[Any], q: TpchQuery) -> float | None:
        with conn.transaction(force_rollback=True):
            return self._once(conn, q)


def measure(
    dsn: str, advice: Sequence[Path], runs: int, param_sets: int, timeout_s: float, say: Any
) -> list[PairedSet]:
    instances = params.instances(param_sets)
    runner = _Runner(dsn, timeout_s)
    out = []
    for path in advice:
        recs = list(json.loads(path.read_text(encoding="utf-8"))["recommendations"])
        label = path.stem.removeprefix("advice-")
        say(f"building the set of {label} ({len(recs)} indexes) ...")
        built = build.build(dsn, recs)
        try:
            say(f"  {sum(i.real_bytes for i in built) / 2**20:.0f} MB; {runs} paired runs ...")
            pairs = runner.pairs(instances, built, runs)
        finally:
            build.drop(dsn, recs)
        out.append(PairedSet(label, tuple(built), pairs))
    return out


def render(sets: Sequence[PairedSet], command: str, runs: int) -> str:
    out = [
        "### TPC-H: paired, interleaved timings",
        "",
        f"`{command}`",
        "",
        f"Every instance without the set (its indexes dropped in a rolled-back transaction) and "
        f"with it, back to back, {runs} run(s), the order alternating (ABBA). Ratio: the median "
        f"of the pairs' ratios, with / without. Slower: in every pair, and by more than "
        f"{TARGET_SLOWER - 1:.0%} in the median pair. A timeout counts as the timeout.",
    ]
    for s in sets:
        real = sum(i.real_bytes for i in s.indexes) / 2**20
        by_number: dict[int, list[tuple[Key, Pairs]]] = {}
        for key, p in sorted(s.pairs.items()):
            by_number.setdefault(key[0], []).append((key, p))
        rows = []
        for number, found in sorted(by_number.items()):
            ratios = " / ".join(f"{p.ratio:.2f}" for _, p in found)
            slower = [f"set {k[1]}" for k, p in found if p.slower]
            without = sum(p.median(p.without) for _, p in found)
            with_set = sum(p.median(p.with_set) for _, p in found)
            rows.append([f"Q{number}", f"{without:.2f}", f"{with_set:.2f}", ratios,
                         "**slower**: " + ", ".join(slower) if slower else ""])  # fmt: skip
        total_without = sum(p.median(p.without) for p in s.pairs.values())
        total_with = sum(p.median(p.with_set) for p in s.pairs.values())
        slower_count = sum(1 for p in s.pairs.values() if p.slower)
        rows.append(["**total**", f"{total_without:.2f}", f"{total_with:.2f}", "",
                     f"{slower_count} of {len(s.pairs)} instances slower"])  # fmt: skip
        out += ["", f"#### {s.label}: {len(s.indexes)} indexes, {real:.1f} MB real", ""]
        out += table(
            ["template", "without (s), sum of medians", "with (s), sum of medians",
             "ratio per set (1 / 2 / 3)", ""],
            rows,
        )  # fmt: skip
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.tpch.paired", description=__doc__)
    p.add_argument("--dsn", required=True, help="a database the TPC-H benchmark kept")
    p.add_argument("--advice", type=Path, action="append", required=True,
                   help="an advice-*.json of that run (repeatable)")  # fmt: skip
    p.add_argument("--runs", type=int, default=2, help="pairs per instance (default 2)")
    p.add_argument("--param-sets", type=int, default=DEFAULT_PARAM_SETS,
                   help=f"parameter sets per template (default {DEFAULT_PARAM_SETS})")  # fmt: skip
    p.add_argument("--timeout", type=float, default=60.0, help="statement_timeout in seconds")
    p.add_argument("--write-docs", type=Path, help="replace the paired section of this file")
    args = p.parse_args(argv)
    given = sys.argv[1:] if argv is None else argv
    command = "python -m benchmarks.tpch.paired " + shlex.join(
        ["--dsn", "DSN"] + [a for a in given if a not in (args.dsn, "--dsn")]
    )
    sets = measure(args.dsn, args.advice, args.runs, args.param_sets, args.timeout, print)
    text = render(sets, command, args.runs)
    print(text)
    if args.write_docs:
        write_docs(args.write_docs, text, BEGIN, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
