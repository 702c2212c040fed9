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
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.numeric import Int8

from advisor.errors import AdvisorError
from advisor.localdb.cluster import LocalCluster, reset_statistics
from advisor.selection.greedy import MAX_ROUNDS
from advisor.settings import parse_size
from benchmarks.backends import AdvisorBackends, Statements, statement_counts
from benchmarks.harness import measure, publish, say
from benchmarks.scale import workload

HEADING = "## Scale: 5,000 statements over 500 tables"
SAFETY_HEADING = "## Footprint of one analysis: the scale benchmark"


@dataclass
class Analysis:
    """One ``advisor analyze`` of the workload, and what the server saw of it."""

    role: str
    seconds: float
    max_rss_kb: int  # the advisor process's
    cpu_seconds: float  # the advisor process's, user + system
    backends: AdvisorBackends
    sessions: int  # connections the advisor opened (log_connections)
    before: Statements
    after: Statements
    doc: dict[str, Any]

    @property
    def added(self) -> int:
        return self.after.entries - self.before.entries

    @property
    def deallocations(self) -> int | None:
        if self.before.dealloc is None or self.after.dealloc is None:
            return None
        return self.after.dealloc - self.before.dealloc


@dataclass
class Outcome:
    main: Analysis
    plain: Analysis | None  # as a role that may not turn pg_stat_statements off
    load_seconds: float
    replay_seconds: float
    version: str
    pgss_max: int


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


PLAIN_ROLE = "advisor_plain"


def _plain_role(cluster: LocalCluster, dsn: str) -> str:
    """The README's least-privilege role, without the grant that lets it turn tracking off."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {PLAIN_ROLE} LOGIN")
        conn.execute(f"GRANT pg_read_all_stats TO {PLAIN_ROLE}")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA public TO {PLAIN_ROLE}")
    return cluster.dsn("scale", user=PLAIN_ROLE)


def _connections(cluster: LocalCluster) -> int:
    """The advisor's connections so far, as log_connections wrote them."""
    text = cluster.log_file.read_text(errors="replace") if cluster.log_file.exists() else ""
    return len(re.findall(r"connection authorized: .*application_name=advisor\b", text))


def _analyse(
    cluster: LocalCluster, dsn: str, role: str, args: argparse.Namespace, work: Path
) -> Analysis:
    out = work / f"advice-{role}.json"
    cmd = [sys.executable, "-m", "advisor", "analyze", "--dsn", dsn, "--format", "json",
           "--output", str(out), *args.advisor_arg]  # fmt: skip
    say(f"advisor analyze as {role} ...")
    watch = cluster.dsn("scale")  # the superuser: reads untracked
    before, connections = statement_counts(watch), _connections(cluster)
    started = time.monotonic()
    with (
        AdvisorBackends(cluster.dsn("scale"), locks=True) as backends,
        (work / "advisor.err").open("w") as err,
    ):
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
    return Analysis(
        role=role,
        seconds=seconds,
        max_rss_kb=usage.ru_maxrss,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        backends=backends,
        sessions=_connections(cluster) - connections,
        before=before,
        after=statement_counts(watch),
        doc=json.loads(out.read_text()),
    )


def run(args: argparse.Namespace, work: Path) -> Outcome:
    cluster = LocalCluster(base_dir=work / "cluster")
    pgss_max = max(10000, 2 * args.statements)  # the workload fits: what we add would show
    cluster.settings["pg_stat_statements.max"] = str(pgss_max)
    cluster.settings["log_connections"] = "on"
    cluster.start()
    try:
        dsn, loaded, replayed = _prepare(cluster, args)
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            version = str(row[0]) if row else "?"
        main = _analyse(cluster, dsn, "postgres (superuser)", args, work)
        plain = None
        if args.plain_role:
            plain = _analyse(cluster, _plain_role(cluster, dsn), PLAIN_ROLE, args, work)
        return Outcome(main, plain, loaded, replayed, version, pgss_max)
    finally:
        cluster.stop("immediate")


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def _command(args: argparse.Namespace) -> str:
    return (
        f"python -m benchmarks.scale.run --tables {args.tables} --statements {args.statements} "
        f"--rows {args.rows} --write-docs docs/benchmarks.md --write-safety docs/safety.md"
    )


def render(args: argparse.Namespace, o: Outcome) -> str:
    a = o.main
    w = a.doc["workload"]
    reasons: dict[str, int] = {}
    for item in a.doc["skipped"]:
        key = item["reason"].split(":")[0]
        reasons[key] = reasons.get(key, 0) + 1
    skipped = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1]))
    not_selected = sum(
        1 for s in a.doc["statements"] if (s["reason"] or "").startswith("its candidates were not")
    )
    helped = sum(1 for s in a.doc["statements"] if s["reason"] is None)
    cap = ""
    if len(a.doc["recommendations"]) >= MAX_ROUNDS:
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
        _command(args),
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
        f"| advisor wall time | {a.seconds:.0f} s |",
        f"| advisor peak RSS (its process) | {_mb(a.max_rss_kb)} |",
        f"| its server backend's peak private memory (sampled) | {_mb(a.backends.peak_rss_kb)} |",
        f"| indexes recommended | {len(a.doc['recommendations'])} |",
        f"| generic-plan cost of the workload | {w['cost_before']:.0f} -> {w['cost_after']:.0f} |",
        "",
        f"Skipped: {skipped or 'none'}.{cap} Setup, not counted above: "
        f"{o.load_seconds:.0f} s to create and load the tables, {o.replay_seconds:.0f} s to "
        "run the statements. What the analysis did to the server (entries, sessions, locks, "
        "CPU): [docs/safety.md](safety.md#footprint-of-one-analysis-the-scale-benchmark).",
    ]
    return "\n".join(lines) + "\n"


def _locks(a: Analysis) -> str:
    seen = ", ".join(f"{mode} on {locktype}" for (locktype, mode) in sorted(a.backends.lock_modes))
    return f"{seen or 'none seen'}; at most {a.backends.max_locks} at once"


def render_footprint(args: argparse.Namespace, o: Outcome) -> str:
    """The section of docs/safety.md: what one analysis of the scale workload did to the server."""
    runs = [o.main] + ([o.plain] if o.plain is not None else [])

    def row(label: str, cell: Callable[[Analysis], str]) -> str:
        return f"| {label} | " + " | ".join(cell(a) for a in runs) + " |"

    def dealloc(a: Analysis) -> str:
        return "n/a (before 14)" if a.deallocations is None else str(a.deallocations)

    lines = [
        f"One `advisor analyze` of the [scale benchmark](benchmarks.md#scale-5000-statements-"
        f"over-500-tables)'s workload ({args.statements:,} distinct statements over "
        f"{args.tables} tables, each run once), PostgreSQL {o.version}, "
        f"`pg_stat_statements.max = {o.pgss_max}`, `track = top`:",
        "",
        "```sh",
        _command(args),
        "```",
        "",
        "| | " + " | ".join(f"as {a.role}" for a in runs) + " |",
        "|---|" + "---:|" * len(runs),
        row(
            "pg_stat_statements tracking in its session",
            lambda a: str(a.doc.get("footprint", {}).get("pg_stat_statements_track")),
        ),
        row("statements planned", lambda a: str(a.doc["workload"]["analyzed"])),
        row("EXPLAIN calls", lambda a: str(a.doc["workload"]["explain_calls"])),
        row(
            "pg_stat_statements entries of the database, before -> after",
            lambda a: f"{a.before.entries} -> {a.after.entries} ({a.added:+d})",
        ),
        row("deallocations (`pg_stat_statements_info.dealloc`)", dealloc),
        row("sessions opened (`log_connections`)", lambda a: str(a.sessions)),
        row("locks held (sampled from `pg_locks` every 0.1 s)", _locks),
        row(
            "server CPU: its backend's user + system time",
            lambda a: f"{a.backends.cpu_seconds:.1f} s of {a.seconds:.0f} s",
        ),
        row("the advisor process's CPU (for comparison)", lambda a: f"{a.cpu_seconds:.1f} s"),
        row("its backend's peak private memory", lambda a: _mb(a.backends.peak_rss_kb)),
        "",
        "The entries are counted through an untracked session; `+0` means not one entry of "
        "the advisor's, so none of the workload's could be evicted. The second column is the "
        "README's least-privilege role without the grant that lets it turn tracking off (it "
        "may plan the workload's UPDATEs: `GRANT SELECT, UPDATE`): its catalog reads and "
        "HypoPG calls keep one entry each, and every plan goes through one `EXPLAIN "
        "EXECUTE advisor_plan(...)` text per parameter-count class, the same few entries "
        "whatever the size of the workload. CPU time is sampled from `/proc` every 0.1 s "
        "while the backend lives (the last tenth of a second may be missed).",
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
    p.add_argument(
        "--write-safety",
        type=Path,
        help="replace the footprint section of this file (docs/safety.md)",
    )
    p.add_argument(
        "--no-plain-role",
        dest="plain_role",
        action="store_false",
        help="skip the second analysis, as a role that may not turn tracking off",
    )
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
    publish(render_footprint(args, outcome), SAFETY_HEADING, args.write_safety)
    if outcome.main.max_rss_kb > limit_kb:
        rss = _mb(outcome.main.max_rss_kb)
        print(f"advisor peak RSS {rss} is over {args.max_rss}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
