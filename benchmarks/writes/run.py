"""``python -m benchmarks.writes.run``: calibrate what one index entry costs a write.

    python -m benchmarks.writes.run --rows 200000 --batch 50000 --repeat 3 \\
        --write-docs docs/benchmarks.md

Starts a throwaway cluster with production durability (``fsync``, ``synchronous_commit`` and
``full_page_writes`` on; the test clusters turn them off), measures index upkeep per entry
(``benchmarks.writes.measure``) for several key types and index counts, and sets each figure
beside the advisor's model (``advisor.selection.overhead.entry_us``). Exits 1 when a modelled
figure is more than ``--tolerance`` (default 2x) away from the measured one, 2 on bad options.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

import psycopg

from advisor.errors import AdvisorError
from advisor.localdb.cluster import DEFAULT_SETTINGS, LocalCluster
from advisor.selection.overhead import Write, entry_us
from benchmarks.load.docs import replace_section
from benchmarks.writes.measure import INDEX_COUNTS, EntryCost, entry_costs, measure

HEADING = "## Write costs: what an index entry costs"
DURABLE = {
    **DEFAULT_SETTINGS,
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
}
MODELLED: dict[str, Write] = {
    "insert": Write.INSERT,
    "copy": Write.INSERT,
    "update": Write.UPDATE,
    "delete": Write.DELETE,
}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def modelled(cost: EntryCost, *, first: bool) -> float:
    ordered = 1.0 if cost.key.ordered else 0.0
    return entry_us(MODELLED[cost.operation], width=cost.key.width, ordered=ordered, first=first)


def ratios(cost: EntryCost) -> tuple[float, float]:
    """Model / measured CPU, for the first index and for a further one."""

    def ratio(model: float, measured: float) -> float:
        return model / measured if measured > 0 else float("inf")

    return (
        ratio(modelled(cost, first=True), cost.first_cpu_us),
        ratio(modelled(cost, first=False), cost.further_cpu_us),
    )


def worst_ratio(costs: list[EntryCost]) -> float:
    """The largest factor between model and measurement (CPU), either way."""
    worst = 1.0
    for cost in costs:
        for r in ratios(cost):
            worst = max(worst, r, 1 / r if r > 0 else float("inf"))
    return worst


def render(args: argparse.Namespace, costs: list[EntryCost], version: str) -> str:
    command = (
        f"python -m benchmarks.writes.run --rows {args.rows} --batch {args.batch} "
        f"--repeat {args.repeat} --write-docs docs/benchmarks.md"
    )
    lines = [
        "What does an index cost the writes of its table? `benchmarks/writes` measures it on a "
        "throwaway cluster with production durability (`fsync`, `synchronous_commit`, "
        "`full_page_writes` on). For each key type, a fresh table of "
        f"{args.rows:,} rows (`fillfactor = 100`, autovacuum off) with 0, "
        f"{' or '.join(str(n) for n in INDEX_COUNTS)} B-tree indexes on the key takes: one "
        f"INSERT of {args.batch:,} rows, a COPY of {args.batch:,} rows, an UPDATE of "
        f"{args.batch:,} rows (full pages, so no update is HOT and each writes an entry into "
        f"every index), and a DELETE of {args.batch:,} rows with the VACUUM that removes their "
        "index entries. Upkeep per entry of the first index = (time with 1 index - time "
        "without) / rows; of each further index = (time with 3 - time with 1) / (2 x rows); "
        f"medians of {args.repeat} runs. CPU is the server backend's (`/proc/<pid>/schedstat`), "
        "which other processes on the machine disturb far less than wall time; wall time is the "
        "client's, commit included. The model is `entry_us()` in "
        "`advisor/selection/overhead.py`.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Measured on {platform.machine()}, {os.cpu_count()} cores, PostgreSQL {version}; "
        f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end.",
        "",
        "µs per index entry, first index / each further one:",
        "",
        "| key | operation | CPU | wall | model | model / CPU |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for cost in costs:
        first, further = ratios(cost)
        lines.append(
            f"| {cost.key.name} | {cost.operation} "
            f"| {cost.first_cpu_us:.2f} / {cost.further_cpu_us:.2f} "
            f"| {cost.first_wall_us:.2f} / {cost.further_wall_us:.2f} "
            f"| {modelled(cost, first=True):.2f} / {modelled(cost, first=False):.2f} "
            f"| {first:.2f} / {further:.2f} |"
        )
    lines += [
        "",
        f"Worst factor between the model and the measured CPU time: {worst_ratio(costs):.2f} "
        "(goal: within 2).",
        "",
        "How the advisor uses it: an index's write cost over the reads' window is (rows inserted "
        "x insert cost + non-HOT updates x (update + delete cost) + rows deleted x delete cost) "
        "x `--write-weight`, with the key's width and order (|correlation| of the leading "
        "column) from pg_stats; before this model it was a flat 10 µs per entry. Where the rows "
        "come from, and how bulk loads are set apart, is `advisor/selection/rates.py`. The "
        "figures are server CPU: writing the dirtied pages out later (checkpoints, with full "
        "page images) is not in them, and on a machine where other processes compete for the "
        "cores wall time is several times the CPU time.",
    ]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.writes.run", description=__doc__)
    p.add_argument("--rows", type=int, default=200_000, help="rows in the table (200000)")
    p.add_argument("--batch", type=int, default=50_000, help="rows per operation (50000)")
    p.add_argument("--repeat", type=int, default=3, help="runs per case, medians (3)")
    p.add_argument("--tolerance", type=float, default=2.0, help="fail beyond this factor (2)")
    p.add_argument("--dsn", help="an existing server (superuser) instead of a throwaway cluster")
    p.add_argument("--work-dir", type=Path, help="where the cluster lives (default: temp dir)")
    p.add_argument("--write-docs", type=Path, help="replace this benchmark's section there")
    return p


def _run(args: argparse.Namespace, dsn: str) -> tuple[list[EntryCost], str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        version = str(row[0]) if row else "?"
    samples = measure(dsn, rows=args.rows, batch=args.batch, repeat=args.repeat, say=_say)
    return entry_costs(samples), version


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if min(args.rows, args.batch, args.repeat) < 1 or args.batch > args.rows // 2:
        print("rows, batch and repeat must be at least 1, batch at most rows / 2", file=sys.stderr)
        return 2
    try:
        if args.dsn:
            costs, version = _run(args, args.dsn)
        else:
            work = args.work_dir or Path(tempfile.mkdtemp(prefix="advisor-writes-"))
            cluster = LocalCluster(base_dir=work / "cluster", settings=dict(DURABLE))
            cluster.start()
            try:
                costs, version = _run(args, cluster.dsn())
            finally:
                cluster.stop("immediate")
                if args.work_dir is None:
                    shutil.rmtree(work, ignore_errors=True)
    except (AdvisorError, psycopg.Error) as err:
        print(f"benchmark failed: {err}", file=sys.stderr)
        return 1
    section = render(args, costs, version)
    print(section)
    if args.write_docs:
        replace_section(args.write_docs, HEADING, section)
        _say(f"wrote the section {HEADING!r} into {args.write_docs}")
    return 0 if worst_ratio(costs) <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
