"""``python -m benchmarks.star.run``: the star-schema benchmark of the advisor, one command.

    python -m benchmarks.star.run --scale 1 --runs 1 --timeout 60 --budgets unbounded,250MB \\
        --extend 250MB,1GB --write-docs docs/benchmarks.md

Exits 1 when an advisor run failed or gave unparsable JSON, 2 on bad options.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from advisor.errors import AdvisorError
from benchmarks.star import report
from benchmarks.star.bench import QUERIES_FILE, Options, Results, run_benchmark
from benchmarks.tpch.report import write_docs
from benchmarks.tpch.run import budgets

SMOKE_SCALE = 0.01
# the smoke's statements: CTEs on CTEs with $n + $m against their columns, a star join, a
# correlated subquery on a CTE, date arithmetic, a repeated GROUP BY expression
SMOKE_STATEMENTS = (1, 3, 4, 5, 12, 36)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.star.run",
        description="Generate the star schema in a throwaway cluster, replay its reporting "
        "statements, advise from pg_stat_statements and from the literal statements, run "
        "Extend, and compare the sets by planner cost and by real runtime.",
    )
    p.add_argument("--scale", type=float, default=1.0, help="scale (1: 2 M store sales)")
    p.add_argument("--budgets", default="unbounded,250MB",
                   help="advisor runs from pg_stat_statements: comma-separated --max-size "
                   "values, 'unbounded' for the default settings")  # fmt: skip
    p.add_argument(
        "--extend",
        default="250MB,1GB",
        help="Extend runs: comma-separated budgets in HypoPG's estimates; '' none",
    )
    p.add_argument(
        "--no-literal",
        action="store_true",
        help="skip the advisor run on the literal statements (--queries)",
    )
    p.add_argument("--runs", type=int, default=1, help="timed runs of the statements (median)")
    p.add_argument("--timeout", type=float, default=60.0, help="statement_timeout in seconds")
    p.add_argument("--build", default="all",
                   help="sets built for real: 'all', 'none' or comma-separated labels "
                   "(a budget, 'literal', 'Extend 1GB')")  # fmt: skip
    p.add_argument("--advisor-arg", action="append", default=[],
                   help="extra argument for advisor analyze (repeatable)")  # fmt: skip
    p.add_argument("--dsn", help="an existing superuser server instead of a throwaway cluster")
    p.add_argument("--database", metavar="DSN",
                   help="a database already loaded (primary keys only, ANALYZEd) to use as "
                   "it is instead of generating the star schema; with --queries, any "
                   "workload")  # fmt: skip
    p.add_argument("--server-log", type=Path,
                   help="with --database: its server's log, so that statements that time out "
                   "reach the advisor (--log)")  # fmt: skip
    p.add_argument("--queries", type=Path, default=QUERIES_FILE,
                   help="the statements, in benchmarks/star/queries.sql's format")  # fmt: skip
    p.add_argument("--work-dir", type=Path, help="where the cluster lives (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="leave the cluster and files behind")
    p.add_argument("--write-docs", type=Path, help="replace the results section of this file")
    p.add_argument(
        "--smoke",
        action="store_true",
        help=f"scale {SMOKE_SCALE}, default settings only, Extend at 1GB, no build",
    )
    return p


def options_from(args: argparse.Namespace, argv: list[str]) -> Options:
    command = "python -m benchmarks.star.run " + shlex.join(argv)
    if args.database and args.write_docs:
        # the section between the markers is the star schema's: another workload's figures
        # would replace it
        raise ValueError("--write-docs writes the star schema's results; with --database, "
                         "keep the printed section instead")  # fmt: skip
    if args.smoke:
        return Options(scale=SMOKE_SCALE, budgets=("unbounded",), extend=("1GB",), literal=False,
                       runs=1, timeout_s=10.0, build=(), admin_dsn=args.dsn,
                       work_dir=args.work_dir, keep=args.keep, advisor_timeout_s=300.0,
                       command=command, statements=SMOKE_STATEMENTS)  # fmt: skip
    build: tuple[str, ...] | None
    if args.build == "all":
        build = None
    elif args.build == "none":
        build = ()
    else:
        build = tuple(b.strip() for b in args.build.split(",") if b.strip())
    return Options(
        scale=args.scale, budgets=budgets(args.budgets), extend=budgets(args.extend),
        literal=not args.no_literal, runs=args.runs, timeout_s=args.timeout, build=build,
        work_dir=args.work_dir, admin_dsn=args.dsn, keep=args.keep,
        advisor_args=tuple(args.advisor_arg), command=command, queries_file=args.queries,
        database_dsn=args.database, server_log=args.server_log,
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
        write_docs(args.write_docs, section, report.BEGIN, report.END)
        _say(f"wrote the results into {args.write_docs}")
    for run in results.failed:
        _say(f"advisor failed ({run.budget}, exit {run.exit_code}): {run.error}")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
