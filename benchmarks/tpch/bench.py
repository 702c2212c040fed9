"""The benchmark as a library: load TPC-H, replay, run the advisor per budget, measure.

``run_benchmark(options, say)`` returns every figure as frozen ``Results``; ``report.render``
turns them into markdown. Nothing here formats text for people.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from advisor.localdb.cluster import LocalCluster
from advisor.settings import parse_size
from benchmarks import extend
from benchmarks.backends import Statements, statement_counts
from benchmarks.tpch import advisor_run, build, costs, database, machine, params, queries, replay
from benchmarks.tpch.advisor_run import UNBOUNDED, AdvisorRun
from benchmarks.tpch.build import BuiltIndex
from benchmarks.tpch.costs import CostRatios
from benchmarks.tpch.pairs import Key, PairedRunner, Pairs
from benchmarks.tpch.queries import TpchQuery
from benchmarks.tpch.replay import Timing

Say = Callable[[str], None]
# Issue 5's budgets, and 300MB: its target is a set within 300 MB of real size.
DEFAULT_BUDGETS = ("300MB", "0.5GB", "1GB", "2GB", "5GB", UNBOUNDED)
EXTEND_LABEL = "Extend"
# the label of a run analysed after the advisor's statistics fixes (``Options.apply_fixes``)
FIXES_SUFFIX = "+fixes"
DEFAULT_PARAM_SETS = 3  # TPC-H's 66 instances: 22 templates x 3 parameter sets


@dataclass(frozen=True)
class Options:
    scale_factor: float = 1.0
    budgets: tuple[str, ...] = DEFAULT_BUDGETS
    runs: int = 3
    param_sets: int = DEFAULT_PARAM_SETS  # per template; 1: the validation parameters only
    timeout_s: float = 60.0
    build: tuple[str, ...] | None = None  # budgets whose sets are built; None: every set
    explicit: tuple[int, ...] | None = None  # given to the advisor; None: those that timed out
    explicit_via: str = "auto"  # "--log", "--queries", "--query"; auto: the best available
    work_dir: Path | None = None
    admin_dsn: str | None = None  # an existing server instead of a throwaway cluster
    keep: bool = False
    advisor_timeout_s: float = 3600.0
    advisor_args: tuple[str, ...] = ()
    command: str = ""
    extend: tuple[str, ...] = ()  # budgets at which Extend runs as a baseline
    reanalyse: bool = True  # analyse the first budget twice in a row: the same advice?
    paired: int = 0  # paired runs of each built set (``pairs``): with and without, back to back
    # the server logs statements slower than this (log_min_duration_statement) with their
    # constants, and the advisor reads that log; None: only cancelled statements are logged
    slow_log_ms: int | None = None
    # after the runs above: apply the findings' fix_sql (statistics repairs), analyse every
    # budget again (labelled ``<budget>+fixes``) and build those sets too
    apply_fixes: bool = False
    # build the advisor's sets with ``advisor apply --validate`` on a parameter set the runs do
    # not time (``params.held_out``); Extend's sets are built as they come
    validate: bool = False


@dataclass(frozen=True)
class BudgetResult:
    run: AdvisorRun
    ratios: CostRatios | None  # planner costs with the set as hypothetical indexes
    not_simulated: tuple[str, ...] = ()  # CREATE INDEX statements HypoPG refused
    harness_error: str | None = None  # the benchmark's own EXPLAINs failed

    @property
    def budget(self) -> str:
        return self.run.budget

    @property
    def set_key(self) -> tuple[tuple[str, ...], ...]:
        return index_set_key(self.run.recommendations)


@dataclass(frozen=True)
class MeasuredSet:
    budgets: tuple[str, ...]
    indexes: tuple[BuiltIndex, ...]
    ratios: CostRatios  # planner costs with the indexes built for real
    after: dict[Any, Timing]  # TPC-H: by (number, parameter set); star: by number
    pairs: dict[Key, Pairs] | None = None  # TPC-H with --paired: each instance without and with
    reverted: tuple[tuple[str, str], ...] = ()  # --validate: (index, why apply took it back)

    @property
    def real_bytes(self) -> int:
        return sum(i.real_bytes for i in self.indexes)

    @property
    def estimated_bytes(self) -> int:
        return sum(i.estimated_bytes for i in self.indexes)


@dataclass(frozen=True)
class Reanalysis:
    """The first budget analysed twice in a row: the second run reads what the first left."""

    first: AdvisorRun
    second: AdvisorRun
    before: Statements
    after_first: Statements
    after_second: Statements

    @property
    def same_advice(self) -> bool:
        return index_set_key(self.first.recommendations) == index_set_key(
            self.second.recommendations
        )


@dataclass(frozen=True)
class Results:
    options: Options
    machine: machine.Machine
    loaded: database.Loaded
    queries: tuple[TpchQuery, ...]  # parameter set 1, the validation parameters
    baseline: dict[tuple[int, int], Timing]  # every instance, by (number, parameter set)
    base_costs: dict[int, float]
    recorded: tuple[int, ...]  # templates an instance of which finished: pg_stat_statements has
    explicit: tuple[int, ...]  # queries handed to the advisor explicitly
    explicit_via: str  # "--log", "--queries", "--query" or "" (none)
    budgets: tuple[BudgetResult, ...]
    measured: tuple[MeasuredSet, ...] = field(default=())
    reanalysis: Reanalysis | None = None
    fixes: tuple[str, ...] = ()  # the findings' fix_sql the harness applied (``apply_fixes``)

    @property
    def failed(self) -> tuple[AdvisorRun, ...]:
        runs = [b.run for b in self.budgets]
        if self.reanalysis is not None:
            runs.append(self.reanalysis.second)
        return tuple(r for r in runs if not r.ok)


def base_budget(label: str) -> str:
    """The ``--max-size`` of a run's label: ``250MB+fixes`` -> ``250MB``."""
    return label.removesuffix(FIXES_SUFFIX)


def fixes_of(runs: Iterable[AdvisorRun]) -> dict[str, str | None]:
    """The distinct ``fix_sql`` of the OK runs' findings, in order of first appearance, each
    with the ``restore_sql`` that undoes it (None when the finding has none)."""
    found: dict[str, str | None] = {}
    for run in runs:
        if not run.ok or run.report is None:
            continue
        for finding in run.report.get("findings") or ():
            fix = finding.get("fix_sql") if isinstance(finding, dict) else None
            if isinstance(fix, str) and fix.strip() and fix not in found:
                restore = finding.get("restore_sql")
                found[fix] = restore if isinstance(restore, str) and restore.strip() else None
    return found


def apply_fixes(dsn: str, fixes: Iterable[str]) -> None:
    """Run each fix as one simple query (it may hold several statements: ``ALTER TABLE ...;
    ANALYZE ...``), in an untracked session: pg_stat_statements' workload stays the replay's."""
    with replay.connect(dsn, tracked=False) as conn:
        for fix in fixes:
            conn.execute(fix.encode())  # no parameters: the simple query protocol


def labels(numbers: Sequence[int]) -> str:
    return ", ".join(f"Q{n}" for n in numbers)


def index_set_key(recommendations: list[dict[str, Any]]) -> tuple[tuple[str, ...], ...]:
    """What makes two recommended sets the same set, whatever the indexes are called."""
    return tuple(
        sorted(
            (
                str(r.get("schema")),
                str(r.get("table")),
                str(r.get("method")),
                ",".join(map(str, r.get("columns") or ())),
                ",".join(map(str, r.get("include") or ())),
                str(r.get("where") or ""),
            )
            for r in recommendations
        )
    )


@dataclass(frozen=True)
class Server:
    admin_dsn: str
    log_file: Path | None  # the server log (stderr format), when we started the server


@contextlib.contextmanager
def server(
    admin_dsn: str | None,
    work_dir: Path,
    say: Say,
    *,
    keep: bool = False,
    dbname: str = "tpch",
    slow_log_ms: int | None = None,
) -> Iterator[Server]:
    """The given server, or a throwaway cluster with the benchmark's settings (and a log of the
    statements slower than ``slow_log_ms``)."""
    if admin_dsn:
        yield Server(admin_dsn, None)
        return
    settings = dict(database.BENCH_SETTINGS)
    if slow_log_ms is not None:
        settings["log_min_duration_statement"] = f"{slow_log_ms}ms"
    cluster = LocalCluster(base_dir=work_dir / "cluster", settings=settings)
    say(f"starting a throwaway cluster in {cluster.base_dir} (port {cluster.port}) ...")
    cluster.start()
    try:
        yield Server(cluster.dsn(), cluster.log_file)
    finally:
        if keep:
            say(f"cluster left running: {cluster.dsn(dbname)}")
        else:
            cluster.stop("immediate")


def reset_statistics(dsn: str) -> None:
    """Forget the load: this database's pg_stat_statements rows and its table counters.

    The bulk load is not the workload; left in pg_stat_user_tables, its millions of inserts
    would read as a write-heavy table and the write-overhead weighting would refuse indexes.
    """
    with replay.connect(dsn, tracked=False) as conn:
        conn.execute(
            "SELECT pg_stat_statements_reset(0, d.oid, 0) FROM pg_catalog.pg_database d"
            " WHERE d.datname = pg_catalog.current_database()"
        )
        conn.execute("SELECT pg_catalog.pg_stat_reset()")


def run_benchmark(options: Options, say: Say) -> Results:
    made_dir = options.work_dir is None
    work_dir = options.work_dir or Path(tempfile.mkdtemp(prefix="tpch-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    dbname = "tpch" if options.admin_dsn is None else f"tpch_bench_{os.getpid()}"
    try:
        with server(
            options.admin_dsn, work_dir, say, keep=options.keep, slow_log_ms=options.slow_log_ms
        ) as found:
            try:
                loaded = database.prepare(
                    found.admin_dsn, options.scale_factor, work_dir, say, dbname
                )
                results = _measure(options, loaded, found.log_file, work_dir, say)
                if options.keep and results.fixes:
                    say(f"database {dbname} left with the advisor's fixes applied (--keep; "
                        "not restored: the findings' restore_sql undoes them)")  # fmt: skip
                return results
            finally:
                if options.admin_dsn and not options.keep:
                    database.drop_database(found.admin_dsn, dbname)
    finally:
        if made_dir and not options.keep:
            shutil.rmtree(work_dir, ignore_errors=True)


def _via(options: Options, log_file: Path | None) -> str:
    """How the queries pg_stat_statements lacks reach the advisor: its best available source."""
    if options.explicit_via != "auto":
        return options.explicit_via
    if log_file is not None and advisor_run.has_option("--log"):
        return "--log"
    if advisor_run.has_option("--queries"):
        return "--queries"
    return "--query"


def _measure(
    options: Options, loaded: database.Loaded, log_file: Path | None, work_dir: Path, say: Say
) -> Results:
    dsn = loaded.dsn
    all_queries = queries.load()
    instances = params.instances(options.param_sets)
    facts = machine.describe(dsn)
    reset_statistics(dsn)
    say(f"replaying the 22 templates x {options.param_sets} parameter sets {options.runs}x "
        f"(statement_timeout {options.timeout_s:g} s) ...")  # fmt: skip
    baseline = replay.run_instances(
        dsn, instances, runs=options.runs, timeout_s=options.timeout_s, say=say
    )
    # pg_stat_statements keeps one entry per template: recorded once any instance finished
    recorded = tuple(sorted({n for (n, _), t in baseline.items() if t.completed}))
    explicit = (
        options.explicit
        if options.explicit is not None
        else tuple(sorted({n for (n, _), t in baseline.items() if t.timed_out}))
    )
    # The planner-cost yardstick stays on parameter set 1, comparable with earlier figures.
    base_costs = costs.current_costs(dsn, all_queries)
    calls = {q.number: options.runs * options.param_sets for q in all_queries}

    # every instance of those templates, as the log holds every cancelled one
    given = [q for q in instances if q.number in explicit]
    queries_file: Path | None = None
    extra: list[str] = []
    logs: list[Path] = []
    extra_args: tuple[str, ...] = ()
    via = _via(options, log_file) if given else ""
    if via == "--log":
        if log_file is None:
            raise ValueError("--explicit-via log needs the benchmark's own cluster (no --dsn)")
        # The server logged each cancelled statement with its text (log_min_error_statement)
        logs = [log_file]
    elif via == "--queries":
        queries_file = work_dir / "explicit_queries.sql"
        # one file entry per instance, so the calls add up to the template's (runs x sets)
        per_instance = {n: options.runs for n in explicit}
        queries_file.write_text(queries.render_file(given, per_instance), encoding="utf-8")
    elif via == "--query":
        extra = [q.sql for q in given]
    if options.slow_log_ms is not None and log_file is not None:
        logs = [log_file]  # the slow statements too, with their constants and durations
    if logs and advisor_run.has_option("--log-statement-timeout"):
        # a cancelled statement's log lines do not say how long it ran: tell the advisor
        extra_args = ("--log-statement-timeout", f"{int(options.timeout_s)}s")
    if given:
        say(f"giving the advisor {labels(explicit)} ({len(given)} instances) through {via}")

    def analyse(
        budget: str, out_dir: Path, hash_seed: int = 1, label: str | None = None
    ) -> AdvisorRun:
        return advisor_run.run(
            dsn, budget, queries_file=queries_file, extra_queries=extra, logs=logs,
            extra_args=extra_args + options.advisor_args, timeout_s=options.advisor_timeout_s,
            out_dir=out_dir, label=label, hash_seed=hash_seed,
        )  # fmt: skip

    runner = PairedRunner(dsn, options.timeout_s, options.paired) if options.paired > 0 else None
    timed = {q.sql for q in instances} or {q.sql for q in all_queries}
    held = tuple(params.held_out(timed)) if options.validate else ()
    judge = Evaluator(
        dsn, all_queries, base_costs, calls, recorded, say, instances, runner, validate_with=held,
        apply_log=work_dir / "applies.jsonl" if options.validate else None,
    )  # fmt: skip
    results: list[BudgetResult] = []
    reanalysis: Reanalysis | None = None
    for budget in options.budgets:
        say(f"advisor analyze, budget {budget} ...")
        before = statement_counts(dsn)
        run = analyse(budget, work_dir)
        if reanalysis is None and options.reanalyse and run.ok:
            after = statement_counts(dsn)
            say(f"  and again, right after ({after.entries - before.entries} entries added) ...")
            again_dir = work_dir / "reanalysis"
            again_dir.mkdir(exist_ok=True)
            again = analyse(budget, again_dir, hash_seed=2)  # another process, another order
            reanalysis = Reanalysis(run, again, before, after, statement_counts(dsn))
            if not reanalysis.same_advice:
                say("  DIFFERENT advice the second time")
        results.append(judge(run))
    advised = [r.run for r in results]  # the advisor's runs, whose findings --apply-fixes reads

    # Extend sees what the peers saw: the statements pg_stat_statements recorded
    workload = [q for q in all_queries if q.number in recorded]
    for budget in options.extend:
        say(f"Extend, budget {budget} (HypoPG's size estimates) ...")
        results.append(judge(extend_run(dsn, workload, budget)))
    measured = judge.build_sets(
        results, runs=options.runs, timeout_s=options.timeout_s, chosen=options.build
    )

    found = fixes_of(advised) if options.apply_fixes else {}
    fixes = tuple(found)
    if options.apply_fixes and not fixes:
        say("--apply-fixes: the advisor reported no fix (no finding with fix_sql), none applied")
    if fixes:
        say(f"applying the advisor's {len(fixes)} fix(es): {' '.join(fixes)}")
        restores = [r for r in found.values() if r]
        if restores:
            say(f"  (undone by: {' '.join(restores)})")
        apply_fixes(dsn, fixes)
        # the yardstick of the runs after the fixes: the planner's costs with them
        fixed_judge = dataclasses.replace(judge, base_costs=costs.current_costs(dsn, all_queries))
        fixed: list[BudgetResult] = []
        for budget in options.budgets:
            label = budget + FIXES_SUFFIX
            say(f"advisor analyze, budget {label} ...")
            fixed.append(fixed_judge(analyse(budget, work_dir, label=label)))
        results += fixed
        measured += fixed_judge.build_sets(
            fixed,
            runs=options.runs,
            timeout_s=options.timeout_s,
            chosen=fixed_chosen(options.build),
        )
    return Results(
        options=options,
        machine=facts,
        loaded=loaded,
        queries=all_queries,
        baseline=baseline,
        base_costs=base_costs,
        recorded=recorded,
        explicit=tuple(explicit),
        explicit_via=via,
        budgets=tuple(results),
        measured=tuple(measured),
        reanalysis=reanalysis,
        fixes=fixes,
    )


def fixed_chosen(chosen: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The ``--build`` choice among the runs after the fixes: a budget's set is built when the
    budget is chosen (``1GB`` builds ``1GB+fixes`` too), or the fixed label itself."""
    if chosen is None:
        return None
    return tuple(b if b.endswith(FIXES_SUFFIX) else b + FIXES_SUFFIX for b in chosen)


@dataclass(frozen=True)
class Evaluator:
    """The common evaluator of every set, the advisor's and Extend's alike: planner costs of the
    queries as written against the baseline's, and the build-and-time pass."""

    dsn: str
    queries: tuple[TpchQuery, ...]
    base_costs: dict[int, float]
    calls: dict[int, int]
    subset: tuple[int, ...]  # the queries of the second ratio (``CostRatios.recorded``)
    say: Say
    instances: tuple[TpchQuery, ...] = ()  # what is timed, by (number, set); () the queries
    paired: PairedRunner | None = None  # times each built set's instances in pairs too
    validate_with: tuple[str, ...] = ()  # build the advisor's sets with apply --validate
    apply_log: Path | None = None  # where those applies are recorded, timings included

    def __call__(self, run: AdvisorRun) -> BudgetResult:
        """Planner costs with the set as hypothetical indexes."""
        if not run.ok:
            self.say(f"  FAILED (exit {run.exit_code}): {run.error.splitlines()[-1:] or ''}")
            return BudgetResult(run, None)
        try:
            hypo = costs.hypothetical_costs(self.dsn, self.queries, run.create_sqls)
        except psycopg.Error as exc:
            self.say(f"  the benchmark's EXPLAINs failed: {exc}")
            return BudgetResult(run, None, harness_error=str(exc).splitlines()[0])
        ratios = costs.ratios(self.base_costs, hypo.costs, self.calls, self.subset)
        self.say(
            f"  {len(run.recommendations)} indexes ({len(hypo.refused)} not simulated), "
            f"{run.wall_seconds:.1f} s, cost ratio {ratios.all_queries:.3f} (all), "
            f"{ratios.recorded:.3f} (subset)"
        )
        return BudgetResult(run, ratios, hypo.refused)

    def build_sets(
        self,
        results: Sequence[BudgetResult],
        *,
        runs: int,
        timeout_s: float,
        chosen: tuple[str, ...] | None,
    ) -> list[MeasuredSet]:
        """Build each distinct recommended set once (for the ``chosen`` budgets; None: all),
        time the queries."""
        groups: dict[tuple[tuple[str, ...], ...], list[BudgetResult]] = {}
        for result in results:
            if result.run.ok and result.run.recommendations:
                groups.setdefault(result.set_key, []).append(result)
        measured = []
        for group in groups.values():
            budgets = tuple(r.budget for r in group)
            if chosen is not None and not set(budgets) & set(chosen):
                continue
            recs = group[0].run.recommendations
            validate = bool(self.validate_with) and not budgets[0].startswith(EXTEND_LABEL)
            how = " with apply --validate" if validate else ""
            self.say(
                f"building the set of budget {', '.join(budgets)} ({len(recs)} indexes){how} ..."
            )
            with self._built(recs, validate) as (built, reverted):
                self.say(f"  {sum(i.real_bytes for i in built) / 2**20:.0f} MB; timing ...")
                now = costs.current_costs(self.dsn, self.queries)
                real = costs.ratios(self.base_costs, now, self.calls, self.subset)
                after: dict[Any, Timing]
                if self.instances:
                    after = dict(replay.run_instances(
                        self.dsn, self.instances, runs=runs, timeout_s=timeout_s, say=self.say,
                        tracked=False,
                    ))  # fmt: skip
                else:
                    after = dict(replay.run_queries(
                        self.dsn, self.queries, runs=runs, timeout_s=timeout_s, say=self.say,
                        tracked=False,
                    ))  # fmt: skip
                pairs = None
                if self.paired is not None and self.instances:
                    self.say(f"  {self.paired.runs} paired runs ...")
                    pairs = self.paired.pairs(self.instances, built)
            measured.append(MeasuredSet(budgets, tuple(built), real, after, pairs, tuple(reverted)))
        return measured

    @contextlib.contextmanager
    def _built(
        self, recs: list[dict[str, Any]], validate: bool
    ) -> Iterator[tuple[list[build.BuiltIndex], list[tuple[str, str]]]]:
        """The set built for the block, and what ``apply --validate`` took back; dropped after."""
        if not validate:
            with build.built(self.dsn, recs) as built:
                yield built, []
            return
        with build.validated(
            self.dsn, recs, self.validate_with, self.say, log=self.apply_log
        ) as done:
            self.say(f"  apply --validate kept {len(done.kept)}, took back {len(done.reverted)} "
                     f"in {done.seconds:.0f} s")  # fmt: skip
            yield done.kept, done.reverted


def extend_run(dsn: str, all_queries: Sequence[TpchQuery], budget: str) -> AdvisorRun:
    """Extend's set at a budget, as a run the rest of the benchmark treats like the advisor's
    (``benchmarks.extend``; the budget is in HypoPG's estimated bytes, MB = 10^6 bytes)."""
    started = time.monotonic()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    budget_bytes = parse_size(budget) / 2**20 * extend.MB
    report = extend.run_extend(dsn, [q.sql for q in all_queries], budget_bytes)
    return AdvisorRun(
        budget=f"{EXTEND_LABEL} {budget}",
        command=("benchmarks.extend.run_extend", budget),
        exit_code=0,
        wall_seconds=time.monotonic() - started,
        peak_rss_bytes=max(usage.ru_maxrss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        * 1024,
        report=report,
        error="",
    )
