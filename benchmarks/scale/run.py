"""``python -m benchmarks.scale.run``: a large workload analyses in bounded time and memory.

    python -m benchmarks.scale.run --write-docs docs/benchmarks.md

A throwaway cluster holds 500 generated tables (2,000 rows each, primary keys only) and runs
5,000 distinct statements over them once each, so pg_stat_statements has them all; then one
``advisor analyze --format json`` runs against it. Reported: wall time, the advisor process's
peak RSS (``os.wait4``), the sampled peak private memory of its server backend (HypoPG keeps its
hypothetical indexes there), EXPLAIN calls, and what came out. Exits 1 when the advisor fails or
its peak RSS exceeds ``--max-rss`` (default 2GB), 2 on bad options.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.numeric import Int8

from advisor.errors import AdvisorError
from advisor.localdb.cluster import LocalCluster, reset_statistics
from advisor.selection.greedy import MAX_ROUNDS
from advisor.settings import parse_size
from benchmarks.harness import measure, publish, say
from benchmarks.scale import workload

HEADING = "## Scale: 5,000 statements over 500 tables"


@dataclass
class BackendMemory:
    """Samples the private memory (RssAnon) of the backend named ``advisor``, keeps the peak."""

    dsn: str
    peak_kb: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> BackendMemory:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self._stop.wait(0.25):
                for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'advisor'"
                ).fetchall():
                    self.peak_kb = max(self.peak_kb, _rss_anon_kb(int(pid)))


def _rss_anon_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Outcome:
    seconds: float
    max_rss_kb: int
    backend_kb: int
    doc: dict[str, Any]
    load_seconds: float
    replay_seconds: float
    version: str


def _prepare(cluster: LocalCluster, args: argparse.Namespace) -> tuple[str, float, float]:
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE scale")
    dsn = cluster.dsn("scale")
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute("CREATE EXTENSION hypopg")
        say(f"creating {args.tables} tables of {args.rows} rows ...")
        for statement in workload.schema(args.tables, args.rows):
            conn.execute(statement)
        conn.execute("VACUUM ANALYZE")
        reset_statistics(conn)
    loaded = time.monotonic() - started
    say(f"running {args.statements} distinct statements ...")
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        for n, (statement, params) in enumerate(workload.statements(args.tables, args.statements)):
            values = tuple(Int8(v) if isinstance(v, int) else v for v in params(n))
            cur = conn.execute(statement, values)
            if cur.description:
                cur.fetchall()
    return dsn, loaded, time.monotonic() - started


def run(args: argparse.Namespace, work: Path) -> Outcome:
    cluster = LocalCluster(base_dir=work / "cluster")
    cluster.settings["pg_stat_statements.max"] = str(max(10000, 2 * args.statements))
    cluster.start()
    try:
        dsn, loaded, replayed = _prepare(cluster, args)
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            version = str(row[0]) if row else "?"
        out = work / "advice.json"
        cmd = [sys.executable, "-m", "advisor", "analyze", "--dsn", dsn, "--format", "json",
               "--output", str(out), *args.advisor_arg]  # fmt: skip
        say("advisor " + " ".join(cmd[3:]))
        started = time.monotonic()
        with BackendMemory(dsn) as backend, (work / "advisor.err").open("w") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:  # interrupted (Ctrl-C, SIGTERM): leave no advisor behind
                proc.kill()
                proc.wait()
                raise
            proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        if proc.returncode != 0:
            raise AdvisorError(
                f"advisor analyze exited with {proc.returncode}: "
                + (work / "advisor.err").read_text().strip()[-500:]
            )
        doc = json.loads(out.read_text())
        return Outcome(seconds, usage.ru_maxrss, backend.peak_kb, doc, loaded, replayed, version)
    finally:
        cluster.stop("immediate")


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def render(args: argparse.Namespace, o: Outcome) -> str:
    w = o.doc["workload"]
    reasons: dict[str, int] = {}
    for item in o.doc["skipped"]:
        key = item["reason"].split(":")[0]
        reasons[key] = reasons.get(key, 0) + 1
    skipped = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1]))
    command = (
        f"python -m benchmarks.scale.run --tables {args.tables} --statements {args.statements} "
        f"--rows {args.rows} --write-docs docs/benchmarks.md"
    )
    not_selected = sum(
        1 for s in o.doc["statements"] if (s["reason"] or "").startswith("its candidates were not")
    )
    helped = sum(1 for s in o.doc["statements"] if s["reason"] is None)
    cap = ""
    if len(o.doc["recommendations"]) >= MAX_ROUNDS:
        cap = (
            f" The greedy selection stops after {MAX_ROUNDS} rounds (`MAX_ROUNDS` in "
            "`advisor/selection/greedy.py`), so the advice stops at that many indexes: "
            f'{helped} statements are helped, {not_selected} keep "its candidates were not '
            'selected" although no budget was set.'
        )
    lines = [
        "Does a large workload analyse without running out of memory? 500 generated tables "
        "(2,000 rows each, primary keys only) and 5,000 distinct statements over them, ten "
        "shapes per table (equality, equality plus range, range, top-N by a timestamp, "
        "`lower()` expression, join, GROUP BY over a time window, primary-key UPDATE, "
        "two-column equality, `IS NULL`), each run once so pg_stat_statements holds them "
        "all; then one `advisor analyze --format json`.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Measured on {platform.machine()}, {os.cpu_count()} cores, PostgreSQL {o.version}, "
        f"default settings of the advisor (`{' '.join(args.advisor_arg) or 'no options'}`).",
        "",
        "| | |",
        "|---|---:|",
        f"| statements in the workload (the generated ones and the setup's own) "
        f"| {w['statements']} |",
        f"| analysed (planned) | {w['analyzed']} |",
        f"| EXPLAIN calls | {w['explain_calls']} |",
        f"| advisor wall time | {o.seconds:.0f} s |",
        f"| advisor peak RSS (its process) | {_mb(o.max_rss_kb)} |",
        f"| its server backend's peak private memory (sampled) | {_mb(o.backend_kb)} |",
        f"| indexes recommended | {len(o.doc['recommendations'])} |",
        f"| generic-plan cost of the workload | {w['cost_before']:.0f} -> {w['cost_after']:.0f} |",
        "",
        f"Skipped: {skipped or 'none'}.{cap} Setup, not counted above: "
        f"{o.load_seconds:.0f} s to create and load the tables, {o.replay_seconds:.0f} s to "
        "run the statements.",
    ]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.scale.run", description=__doc__)
    p.add_argument("--tables", type=int, default=500, help="generated tables (default 500)")
    p.add_argument("--statements", type=int, default=5000, help="distinct statements (5000)")
    p.add_argument("--rows", type=int, default=2000, help="rows per table (default 2000)")
    p.add_argument("--max-rss", default="2GB", help="fail above this advisor peak RSS")
    p.add_argument("--advisor-arg", action="append", default=[], help="passed on (repeatable)")
    p.add_argument("--work-dir", type=Path, help="keep the cluster and advice.json here")
    p.add_argument("--write-docs", type=Path, help="replace this benchmark's section there")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if min(args.tables, args.statements, args.rows) < 1:
        print("tables, statements and rows must be at least 1", file=sys.stderr)
        return 2
    limit_kb = parse_size(args.max_rss) // 1024
    outcome = measure(lambda work: run(args, work), work_dir=args.work_dir, prefix="advisor-scale-")
    if outcome is None:
        return 1
    publish(render(args, outcome), HEADING, args.write_docs)
    if outcome.max_rss_kb > limit_kb:
        print(f"advisor peak RSS {_mb(outcome.max_rss_kb)} is over {args.max_rss}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
