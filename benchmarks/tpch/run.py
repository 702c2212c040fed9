"""``python -m benchmarks.tpch.run``: the TPC-H benchmark of the advisor, one command.

    python -m benchmarks.tpch.run --sf 1 --budgets 0.5GB,1GB,2GB,5GB,unbounded --runs 3 \\
        --param-sets 3 --timeout 60 --write-docs docs/benchmarks.md

Exits 1 when an advisor run failed or gave unparsable JSON, 2 on bad options.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from advisor.errors import AdvisorError
from advisor.settings import parse_size
from benchmarks.tpch import report
from benchmarks.tpch.advisor_run import UNBOUNDED
from benchmarks.tpch.bench import (
    DEFAULT_BUDGETS,
    DEFAULT_PARAM_SETS,
    FIXES_SUFFIX,
    Options,
    Results,
    base_budget,
    run_benchmark,
)

SMOKE_SF = 0.01
SMOKE_BUDGET = "1GB"
SMOKE_TIMEOUT_S = 10.0
SMOKE_EXPLICIT = (17, 20)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def budgets(text: str, *, fixed: bool = False) -> tuple[str, ...]:
    """Comma-separated budgets; ``fixed``: a label may name a run after the fixes
    (``1GB+fixes``, for --build)."""
    found = tuple(b.strip() for b in text.split(",") if b.strip())
    for b in found:
        size = base_budget(b) if fixed else b
        if size != UNBOUNDED:
            parse_size(size)  # raises UsageError with a hint
    return found


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(x.strip().upper().removeprefix("Q")) for x in text.split(",") if x.strip())


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value


def _via(args: argparse.Namespace) -> str:
    if args.explicit_via == "auto" and args.smoke:
        return "--queries"  # nothing times out at the smoke's scale: the log would not have them
    return "auto" if args.explicit_via == "auto" else f"--{args.explicit_via}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.tpch.run",
        description="Load TPC-H into a throwaway cluster, run the advisor at several budgets, "
        "build the advice and time the 22 templates x N parameter sets before and after.",
    )
    p.add_argument("--sf", type=float, default=1.0, help="TPC-H scale factor (default 1)")
    p.add_argument("--budgets", default=",".join(DEFAULT_BUDGETS),
                   help="comma-separated --max-size values, or 'unbounded'")  # fmt: skip
    p.add_argument("--runs", type=int, default=3,
                   help="timed runs of every instance (median)")  # fmt: skip
    p.add_argument("--param-sets", type=_positive, default=DEFAULT_PARAM_SETS,
                   help="parameter sets per template: 1 is the validation parameters "
                   "(queries.sql), further sets follow the specification's rules "
                   "(benchmarks.tpch.params); default 3, TPC-H's 66 instances")  # fmt: skip
    p.add_argument("--timeout", type=float, default=60.0, help="statement_timeout in seconds")
    p.add_argument("--build", default="all",
                   help="budgets whose sets are built for real: 'all' (each distinct set once), "
                   "'none' or a comma-separated list (a budget's run after --apply-fixes too; "
                   f"'1GB{FIXES_SUFFIX}' names that one only)")  # fmt: skip
    p.add_argument("--explicit", default="auto",
                   help="queries given to the advisor explicitly, e.g. Q17,Q20; 'auto': the ones "
                   "that timed out (pg_stat_statements lacks them), 'none'")  # fmt: skip
    p.add_argument("--explicit-via", choices=("auto", "log", "queries", "query"), default="auto",
                   help="how those queries reach the advisor: the server log (--log), a file "
                   "(--queries) or --query options; auto: the log when the benchmark owns the "
                   "cluster and the advisor reads logs, else --queries")  # fmt: skip
    p.add_argument("--extend", default="",
                   help="comma-separated budgets (HypoPG's estimates, MB = 10^6 bytes) at which "
                   "the Extend algorithm runs as a baseline (benchmarks.extend)")  # fmt: skip
    p.add_argument("--paired", type=int, default=0,
                   help="paired runs of each built set: every instance without the set (dropped "
                   "in a rolled-back transaction) and with it, back to back; the 'slower' verdict "
                   "then rests on them (default 0: off)")  # fmt: skip
    p.add_argument("--slow-log", type=int, metavar="MS",
                   help="the throwaway cluster logs statements slower than MS milliseconds with "
                   "their constants (log_min_duration_statement), and the advisor reads that log; "
                   "default: only the cancelled statements are logged")  # fmt: skip
    p.add_argument("--apply-fixes", action="store_true",
                   help="after everything else: run the fix_sql of the advisor's findings (its "
                   "statistics repairs, e.g. a column's n_distinct) on the benchmark database, "
                   f"then analyse every budget again (rows '<budget>{FIXES_SUFFIX}', costs "
                   "against the planner's after the fixes) and build those sets too; with "
                   "--keep, the database keeps the fixes")  # fmt: skip
    p.add_argument("--validate", action="store_true",
                   help="build the advisor's sets with 'advisor apply --validate': around each "
                   "build it times the statements the index changes, taken from a parameter set "
                   "the runs do not time, and drops the index again when one got slower; "
                   "Extend's sets are built as they come")  # fmt: skip
    p.add_argument("--advisor-arg", action="append", default=[],
                   help="extra argument for advisor analyze (repeatable)")  # fmt: skip
    p.add_argument("--dsn", help="an existing server (superuser, pg_stat_statements preloaded, "
                   "HypoPG installed) instead of a throwaway cluster")  # fmt: skip
    p.add_argument(
        "--work-dir", type=Path, help="where data and cluster live (default: a temp dir)"
    )
    p.add_argument("--keep", action="store_true", help="leave the cluster and files behind")
    p.add_argument("--write-docs", type=Path, help="replace the results section of this file")
    p.add_argument("--smoke", action="store_true",
                   help=f"scale factor {SMOKE_SF}, budget {SMOKE_BUDGET}, one run, "
                   f"{SMOKE_TIMEOUT_S:g} s timeout; fails only if the advisor fails")  # fmt: skip
    return p


def options_from(args: argparse.Namespace, argv: list[str]) -> Options:
    command = "python -m benchmarks.tpch.run " + shlex.join(argv)
    build: tuple[str, ...] | None
    if args.build == "all":
        build = None
    elif args.build == "none":
        build = ()
    else:
        build = budgets(args.build, fixed=True)
    explicit: tuple[int, ...] | None
    if args.explicit == "auto":
        explicit = SMOKE_EXPLICIT if args.smoke else None
    elif args.explicit == "none":
        explicit = ()
    else:
        explicit = _numbers(args.explicit)
    if args.smoke:
        return Options(
            scale_factor=SMOKE_SF, budgets=(SMOKE_BUDGET,), runs=1, timeout_s=SMOKE_TIMEOUT_S,
            param_sets=args.param_sets, build=build, explicit=explicit, explicit_via=_via(args),
            work_dir=args.work_dir,
            admin_dsn=args.dsn, keep=args.keep, advisor_timeout_s=120.0,
            advisor_args=tuple(args.advisor_arg), command=command, paired=args.paired,
            apply_fixes=args.apply_fixes, validate=args.validate,
        )  # fmt: skip
    return Options(
        scale_factor=args.sf, budgets=budgets(args.budgets), runs=args.runs,
        param_sets=args.param_sets, timeout_s=args.timeout, build=build, explicit=explicit,
        explicit_via=_via(args),
        work_dir=args.work_dir,
        admin_dsn=args.dsn, keep=args.keep, advisor_args=tuple(args.advisor_arg),
        command=command, extend=budgets(args.extend), paired=args.paired,
        slow_log_ms=args.slow_log, apply_fixes=args.apply_fixes, validate=args.validate,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    try:
        options = options_from(args, argv)
    except (AdvisorError, ValueError) as exc:
        print(f"benchmark: error: {exc}", file=sys.stderr)
        return 2
    results: Results = run_benchmark(options, _say)
    section = report.render(results)
    print(section, end="")
    if args.write_docs:
        if args.slow_log is None:
            report.write_docs(args.write_docs, section)
        else:  # another workload input: its own section, beside the one without the log
            report.write_docs(args.write_docs, section, report.BEGIN_SLOW_LOG, report.END_SLOW_LOG)
        _say(f"wrote the results into {args.write_docs}")
    for run in results.failed:
        _say(f"advisor failed at budget {run.budget} (exit {run.exit_code}): {run.error}")
    different = results.reanalysis is not None and not results.reanalysis.same_advice
    if different:
        _say("the second analysis in a row gave different advice (see Re-analysis)")
    return 1 if results.failed or different else 0


if __name__ == "__main__":
    sys.exit(main())
