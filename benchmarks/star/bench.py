"""The star-schema benchmark as a library: load, replay, advise (from pg_stat_statements and from
the literal statements), run Extend, evaluate every set with the common evaluator, build and time.

``run_benchmark(options, say)`` returns every figure as frozen ``Results``; ``report.render``
turns them into markdown. The steps are the TPC-H benchmark's (``benchmarks.tpch.bench``), on a
workload of CTEs, derived tables and star joins.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from advisor.sources.sqltext import fingerprint
from benchmarks.star import database
from benchmarks.tpch import advisor_run, costs, machine, queries, replay
from benchmarks.tpch.advisor_run import UNBOUNDED, AdvisorRun
from benchmarks.tpch.bench import (
    BudgetResult,
    Evaluator,
    MeasuredSet,
    extend_run,
    reset_statistics,
    server,
)
from benchmarks.tpch.database import Loaded, drop_database
from benchmarks.tpch.queries import TpchQuery
from benchmarks.tpch.replay import Timing

Say = Callable[[str], None]
QUERIES_FILE = Path(__file__).with_name("queries.sql")
LITERAL = "literal"  # the label of the run on the literal statements (--queries)
DOMINANT = 3  # the ratio leaves out the three statements of largest planner cost


@dataclass(frozen=True)
class Options:
    scale: float = 1.0
    budgets: tuple[str, ...] = (UNBOUNDED, "250MB")  # advisor runs from pg_stat_statements
    extend: tuple[str, ...] = ("250MB", "1GB")  # Extend runs (HypoPG MB)
    literal: bool = True  # also advise from the literal statements (--queries FILE)
    runs: int = 1
    timeout_s: float = 60.0
    build: tuple[str, ...] | None = None  # labels whose sets are built; None: every set
    work_dir: Path | None = None
    admin_dsn: str | None = None
    keep: bool = False
    advisor_timeout_s: float = 3600.0
    advisor_args: tuple[str, ...] = ()
    command: str = ""
    statements: tuple[int, ...] | None = None  # a subset of the statements; None: all
    queries_file: Path = QUERIES_FILE  # the workload, in queries.sql's format
    # a database already loaded (primary keys, ANALYZE): used as it is, nothing generated
    database_dsn: str | None = None
    server_log: Path | None = None  # that server's log, for the statements that time out


@dataclass(frozen=True)
class Coverage:
    """Which workload statements an advisor run analysed, and why it skipped the others."""

    analysed: tuple[int, ...]
    skipped: dict[int, str]
    repaired: dict[int, tuple[str, ...]]
    # why an analysed statement got no improvement, that its time is far above its plan cost,
    # or that its plan rests on a guessed row count
    reasons: dict[int, str]


@dataclass(frozen=True)
class Results:
    options: Options
    machine: machine.Machine
    loaded: Loaded
    queries: tuple[TpchQuery, ...]
    literal_plans: tuple[int, ...]  # statements the server plans with their constants
    baseline: dict[int, Timing]
    base_costs: dict[int, float]
    dominant: tuple[int, ...]
    explicit: tuple[int, ...]  # timed out, so given to the advisor through the log
    runs: tuple[BudgetResult, ...]
    coverage: dict[str, Coverage]
    measured: tuple[MeasuredSet, ...] = field(default=())

    @property
    def failed(self) -> tuple[AdvisorRun, ...]:
        return tuple(b.run for b in self.runs if not b.run.ok)


def coverage(report: dict[str, Any] | None, all_queries: tuple[TpchQuery, ...]) -> Coverage:
    """Map the run's statements and skips back to query numbers by fingerprint."""
    # statements that differ only in their constants share a normal form, and one entry
    numbers: dict[str, list[int]] = {}
    for q in all_queries:
        numbers.setdefault(fingerprint(q.sql), []).append(q.number)
    analysed: list[int] = []
    skipped: dict[int, str] = {}
    repaired: dict[int, tuple[str, ...]] = {}
    reasons: dict[int, str] = {}
    for entry in (report or {}).get("statements", []):
        said = [str(entry["reason"])] if entry.get("reason") else []
        judged = entry.get("time_vs_cost")
        if judged:  # slower than its plan cost predicts, advice or not
            said.insert(0, f"slower than its plan cost predicts ({judged['factor']:.0f}x)")
        risk = entry.get("plan_risk")
        if risk:  # a nested loop over a row count guessed from a CTE, advice or not
            said.insert(0, f"nested loop over rows guessed from {risk['outer_source']}")
        for number in numbers.get(fingerprint(str(entry.get("query", ""))), ()):
            analysed.append(number)
            if entry.get("repairs"):
                repaired[number] = tuple(entry["repairs"])
            if said:
                reasons[number] = "; ".join(said)
    for entry in (report or {}).get("skipped", []):
        for number in numbers.get(fingerprint(str(entry.get("query", ""))), ()):
            skipped[number] = str(entry.get("reason", ""))
    return Coverage(tuple(sorted(set(analysed))), skipped, repaired, reasons)


def literal_plans(dsn: str, all_queries: tuple[TpchQuery, ...]) -> tuple[int, ...]:
    """The statements the server can plan as written."""
    planned = []
    with replay.connect(dsn, tracked=False) as conn:
        for q in all_queries:
            try:
                conn.execute(b"EXPLAIN " + q.sql.encode())
                planned.append(q.number)
            except psycopg.Error:
                pass
    return tuple(planned)


def run_benchmark(options: Options, say: Say) -> Results:
    if options.database_dsn is not None:
        return _on_existing(options, say)
    made_dir = options.work_dir is None
    work_dir = options.work_dir or Path(tempfile.mkdtemp(prefix="star-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    dbname = "star" if options.admin_dsn is None else f"star_bench_{os.getpid()}"
    try:
        with server(options.admin_dsn, work_dir, say, keep=options.keep, dbname=dbname) as found:
            try:
                loaded = database.prepare(found.admin_dsn, options.scale, say, dbname)
                return _measure(options, loaded, found.log_file, work_dir, say)
            finally:
                if options.admin_dsn and not options.keep:
                    drop_database(found.admin_dsn, dbname)
    finally:
        if made_dir and not options.keep:
            shutil.rmtree(work_dir, ignore_errors=True)


def _on_existing(options: Options, say: Say) -> Results:
    """The steps on a database someone else loaded (another schema, another workload): its
    pg_stat_statements and table counters are reset, the sets are built and dropped again."""
    dsn = options.database_dsn
    assert dsn is not None
    work_dir = options.work_dir or Path(tempfile.mkdtemp(prefix="star-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = {
            str(name): int(count)
            for name, count in conn.execute(
                "SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_catalog.pg_class c"
                " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind IN ('r', 'p')"
                " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchall()
        }
    loaded = Loaded(dsn, rows, 0.0, 0.0)
    say(f"using the loaded database as it is ({sum(rows.values()):,} rows)")
    return _measure(options, loaded, options.server_log, work_dir, say)


def _measure(
    options: Options, loaded: Loaded, log_file: Path | None, work_dir: Path, say: Say
) -> Results:
    dsn = loaded.dsn
    all_queries = tuple(
        q for q in queries.load(options.queries_file)
        if options.statements is None or q.number in options.statements
    )  # fmt: skip
    facts = machine.describe(dsn)
    planned = literal_plans(dsn, all_queries)
    reset_statistics(dsn)
    say(f"replaying the {len(all_queries)} statements {options.runs}x "
        f"(statement_timeout {options.timeout_s:g} s) ...")  # fmt: skip
    baseline = replay.run_queries(
        dsn, all_queries, runs=options.runs, timeout_s=options.timeout_s, say=say
    )
    base_costs = costs.current_costs(dsn, all_queries)
    calls = {q.number: options.runs for q in all_queries}
    dominant = tuple(sorted(base_costs, key=lambda n: base_costs[n], reverse=True)[:DOMINANT])
    rest = tuple(n for n in base_costs if n not in dominant)
    explicit = tuple(n for n, t in baseline.items() if t.timed_out)

    extra_args: tuple[str, ...] = ()
    logs: list[Path] = []
    queries_file: Path | None = None
    if explicit and log_file is not None:
        # cancelled statements reach the advisor through the server log, as on any server
        logs = [log_file]
        extra_args = ("--log-statement-timeout", f"{int(options.timeout_s)}s")
    elif explicit:
        queries_file = work_dir / "timed_out.sql"
        given = [q for q in all_queries if q.number in explicit]
        queries_file.write_text(queries.render_file(given, calls), encoding="utf-8")

    judge = Evaluator(dsn, all_queries, base_costs, calls, rest, say)
    runs: list[BudgetResult] = []
    found: dict[str, Coverage] = {}
    for budget in options.budgets:
        say(f"advisor analyze from pg_stat_statements, budget {budget} ...")
        run = advisor_run.run(
            dsn, budget, queries_file=queries_file, logs=logs,
            extra_args=extra_args + options.advisor_args, timeout_s=options.advisor_timeout_s,
            out_dir=work_dir,
        )  # fmt: skip
        runs.append(judge(run))
        found[run.budget] = coverage(run.report, all_queries)
    if options.literal:
        say("advisor analyze from the literal statements (--queries, no pg_stat_statements) ...")
        literal_file = work_dir / "literal.sql"
        literal_file.write_text(queries.render_file(all_queries, calls), encoding="utf-8")
        run = advisor_run.run(
            dsn, UNBOUNDED, queries_file=literal_file,
            extra_args=("--no-pg-stat-statements", *options.advisor_args),
            timeout_s=options.advisor_timeout_s, out_dir=work_dir, label=LITERAL,
        )  # fmt: skip
        runs.append(judge(run))
        found[LITERAL] = coverage(run.report, all_queries)
    for budget in options.extend:
        say(f"Extend, budget {budget} (HypoPG's size estimates) ...")
        runs.append(judge(extend_run(dsn, all_queries, budget)))

    measured = judge.build_sets(
        runs, runs=options.runs, timeout_s=options.timeout_s, chosen=options.build
    )
    return Results(
        options=options,
        machine=facts,
        loaded=loaded,
        queries=all_queries,
        literal_plans=planned,
        baseline=baseline,
        base_costs=base_costs,
        dominant=dominant,
        explicit=explicit,
        runs=tuple(runs),
        coverage=found,
        measured=tuple(measured),
    )
