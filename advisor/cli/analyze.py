"""``advisor analyze``: options in, one analysis, the report and its files out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.options import (
    DEFAULT_MIN_STATS_AGE,
    INPUT,
    OUTPUT,
    SAFETY,
    SELECTION,
    DsnOpt,
    LockTimeoutOpt,
    MinStatsAgeOpt,
    OutputOpt,
    QuietOpt,
    StatementTimeoutOpt,
    StoreOpt,
    fail,
    say,
)
from advisor.errors import AdvisorError, UsageError
from advisor.model import Report
from advisor.settings import RunOptions, Settings, parse_duration_ms, parse_size
from advisor.sources.logread import LogFormat
from advisor.sources.workload import SourceOptions


class Format(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


class Weighing(StrEnum):
    measured = "measured"
    planner = "planner"


FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="Output format.", rich_help_panel=OUTPUT)
]
WriteMigrationsOpt = Annotated[
    Path | None,
    typer.Option(
        "--write-migrations",
        metavar="DIR",
        help="Write up/down migrations into this folder (an index a migration there builds "
        "already is not written again).",
        rich_help_panel=OUTPUT,
    ),
]


@dataclass(frozen=True)
class Outputs:
    """What to make of the report: where it goes, in which format, and the files beside it."""

    fmt: Format = Format.table
    output: Path | None = None
    migrations: Path | None = None
    migration_format: str = "sql"
    save_plan: Path | None = None
    fail_on_advice: bool = False
    verbose: bool = False
    quiet: bool = False


def run_analysis(
    dsn: str | None,
    settings: Settings,
    sources: SourceOptions,
    outputs: Outputs,
    run: RunOptions | None = None,
) -> None:
    """Analyse, print or write the report, write the migrations and the plan, say what next."""
    from advisor.fileio import write_atomic
    from advisor.pipeline import analyze
    from advisor.progress import Progress
    from advisor.render import json as render_json
    from advisor.render import text as render_text

    with Progress.for_terminal(quiet=outputs.quiet) as progress:
        report = analyze(dsn, settings, sources=sources, progress=progress, run=run)
    if outputs.fmt is Format.json:
        rendered = render_json.render(report)
    else:
        markdown = outputs.fmt is Format.markdown
        rendered = render_text.render(report, markdown=markdown, verbose=outputs.verbose)
    if outputs.output is not None:
        write_atomic(outputs.output, rendered)
    else:
        typer.echo(rendered, nl=False)
    if outputs.migrations is not None:
        _write_migrations(outputs.migrations, outputs.migration_format, report)
    if outputs.save_plan is not None:
        _save_plan(outputs.save_plan, dsn, report)
    if outputs.fail_on_advice and report.recommendations:
        raise typer.Exit(1)


def _write_migrations(directory: Path, migration_format: str, report: Report) -> None:
    from advisor.migrate.write import already_there, write
    from advisor.report.fmt import plural
    from advisor.review.migrations import write_drop_migrations

    there = already_there(directory, report.recommendations, migration_format)
    since = report.server.stats_since
    written = write(directory, report.recommendations, migration_format, since=since)
    if migration_format == "sql":
        written += write_drop_migrations(directory, report.findings)
    line = f"wrote {plural(len(written), 'migration file')} to {directory}"
    if there:
        names = ", ".join(r.name for r in there)
        line += f"; {plural(len(there), 'index')} already had one there: {names}"
    say(line)


def _save_plan(path: Path, dsn: str | None, report: Report) -> None:
    from advisor.plan_file import save_plan
    from advisor.render.commands import PASSWORD_NOTE, command, dsn_args, without_password

    save_plan(path, report)
    say(f"saved the plan to {path}; build its indexes with: "
        f"{command('apply', str(path), *dsn_args(dsn))}")  # fmt: skip
    if dsn and without_password(dsn)[1]:
        say(PASSWORD_NOTE)


def analyze(
    dsn: DsnOpt = None,
    query: Annotated[
        list[str] | None,
        typer.Option("--query", metavar="SQL",
                     help="Analyse this statement alone (see --with-workload).",
                     rich_help_panel=INPUT),
    ] = None,
    queries_file: Annotated[
        list[Path] | None,
        typer.Option("--queries", metavar="FILE",
                     help="Analyse the statements of this SQL file (a '-- calls: N' comment "
                     "before a statement gives its weight).", rich_help_panel=INPUT),
    ] = None,
    with_workload: Annotated[
        bool,
        typer.Option("--with-workload",
                     help="With --query/--queries: add the database's workload "
                     "(pg_stat_statements, --log, --sample-activity) to the same selection.",
                     rich_help_panel=INPUT),
    ] = False,
    pg_stat_statements: Annotated[
        bool,
        typer.Option("--pg-stat-statements/--no-pg-stat-statements",
                     help="Read the workload from pg_stat_statements; without it, only from "
                     "--log, --queries, --query and --sample-activity.", rich_help_panel=INPUT),
    ] = True,
    log: Annotated[
        list[Path] | None,
        typer.Option("--log", metavar="FILE",
                     help="Read statements from this server log (may be compressed).",
                     rich_help_panel=INPUT),
    ] = None,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help="The logs' format.", rich_help_panel=INPUT)
    ] = LogFormat.auto,
    log_prefix: Annotated[
        str | None,
        typer.Option("--log-prefix", metavar="PREFIX",
                     help="The log_line_prefix of stderr logs (default: the server's, if it "
                     "fits the file).", show_default=False, rich_help_panel=INPUT),
    ] = None,
    log_statement_timeout: Annotated[
        str,
        typer.Option("--log-statement-timeout", metavar="DURATION",
                     help="How long a statement the log shows cancelled by a timeout ran.",
                     rich_help_panel=INPUT),
    ] = "60s",
    sample_activity: Annotated[
        str | None,
        typer.Option("--sample-activity", metavar="DURATION",
                     help="Also poll pg_stat_activity this long for long-running statements, "
                     "e.g. 30s.", show_default=False, rich_help_panel=INPUT),
    ] = None,
    sample_interval: Annotated[
        str,
        typer.Option("--sample-interval", metavar="DURATION",
                     help="Time between two activity polls.", rich_help_panel=INPUT),
    ] = "1s",
    sample_min_running: Annotated[
        str,
        typer.Option("--sample-min-running", metavar="DURATION",
                     help="Sample only statements running at least this long.",
                     rich_help_panel=INPUT),
    ] = "1s",
    replica_dsn: Annotated[
        list[str] | None,
        typer.Option("--replica-dsn", metavar="DSN",
                     help="A replica whose index scans count too.", rich_help_panel=INPUT),
    ] = None,
    min_calls: Annotated[
        int,
        typer.Option("--min-calls", min=0, metavar="N", help="Ignore statements called less.",
                     rich_help_panel=SELECTION),
    ] = 1,
    min_time: Annotated[
        str,
        typer.Option("--min-time", metavar="DURATION",
                     help="Ignore statements whose total time is below this.",
                     rich_help_panel=SELECTION),
    ] = "0ms",
    top: Annotated[
        int | None,
        typer.Option("--top", min=1, metavar="N",
                     help="Analyse only the N statements of most total time.",
                     rich_help_panel=SELECTION),
    ] = None,
    min_improvement: Annotated[
        float,
        typer.Option("--min-improvement", min=0, max=100, metavar="PCT",
                     help="Percent a statement's cost must drop by.", rich_help_panel=SELECTION),
    ] = 10.0,
    min_workload_gain: Annotated[
        float,
        typer.Option("--min-workload-gain", min=0, max=100, metavar="PCT",
                     help="Percent of the workload's time an index must save (0: off).",
                     rich_help_panel=SELECTION),
    ] = 0.0,
    min_table_rows: Annotated[
        int,
        typer.Option("--min-table-rows", min=0, metavar="N",
                     help="Tables with fewer rows get no index.", rich_help_panel=SELECTION),
    ] = 1000,
    max_indexes: Annotated[
        int | None,
        typer.Option("--max-indexes", min=0, metavar="N", help="Recommend at most N indexes.",
                     rich_help_panel=SELECTION),
    ] = None,
    max_size: Annotated[
        str | None,
        typer.Option("--max-size", metavar="SIZE",
                     help="Total size budget of the new indexes, e.g. 2GB.",
                     rich_help_panel=SELECTION),
    ] = None,
    write_weight: Annotated[
        float,
        typer.Option("--write-weight", min=0, metavar="NUMBER",
                     help="Multiplier of the write cost subtracted from benefits (0: off).",
                     rich_help_panel=SELECTION),
    ] = 1.0,
    weigh_by: Annotated[
        Weighing,
        typer.Option("--weigh-by",
                     help="measured: each statement's measured time; planner: calls x planner "
                     "cost, the same on every machine (CI, tests).", rich_help_panel=SELECTION),
    ] = Weighing.measured,
    count_bulk_writes: Annotated[
        bool,
        typer.Option("--count-bulk-writes",
                     help="Count bulk loads (a table loaded in one batch) in the write rate as "
                     "if they were steady.", rich_help_panel=SELECTION),
    ] = False,
    store: StoreOpt = None,
    apply_log: Annotated[
        Path | None,
        typer.Option("--apply-log", metavar="FILE",
                     help="advisor apply's record: an index 'apply --validate' took back here "
                     "is not advised again. Default: applies.jsonl in the user's data directory, "
                     "if it exists.", show_default=False, rich_help_panel=SELECTION),
    ] = None,
    max_explains: Annotated[
        int | None,
        typer.Option("--max-explains", min=1, metavar="N",
                     help="Stop the search after N EXPLAIN calls; advise the best set so far.",
                     rich_help_panel=SELECTION),
    ] = None,
    time_limit: Annotated[
        str | None,
        typer.Option("--time-limit", metavar="DURATION",
                     help="Stop the search after this long (e.g. 30s); advise the best set so "
                     "far.", rich_help_panel=SELECTION),
    ] = None,
    exhaustive_search: Annotated[
        bool,
        typer.Option("--exhaustive-search",
                     help="Re-score every candidate move every round (slower; finds join pairs "
                     "whose second index gains only once the first is chosen).",
                     rich_help_panel=SELECTION),
    ] = False,
    review: Annotated[
        bool,
        typer.Option("--review/--no-review", help="Review the existing indexes too.",
                     rich_help_panel=SELECTION),
    ] = True,
    min_stats_age: MinStatsAgeOpt = DEFAULT_MIN_STATS_AGE,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    write_migrations: WriteMigrationsOpt = None,
    migration_format: Annotated[
        str,
        typer.Option("--migration-format", metavar="FORMAT",
                     help="sql, golang-migrate, flyway, alembic or django (drops: sql only).",
                     rich_help_panel=OUTPUT),
    ] = "sql",
    save_plan: Annotated[
        Path | None,
        typer.Option("--save-plan", metavar="FILE",
                     help="Save the advice as a plan for 'advisor apply'.",
                     rich_help_panel=OUTPUT),
    ] = None,
    fail_on_advice: Annotated[
        bool,
        typer.Option("--fail-on-advice", help="Exit with 1 when there is advice (for CI).",
                     rich_help_panel=OUTPUT),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Say why statements got no advice.",
                     rich_help_panel=OUTPUT),
    ] = False,
    quiet: QuietOpt = False,
    statement_timeout: StatementTimeoutOpt = "10s",
    lock_timeout: LockTimeoutOpt = "1s",
    role: Annotated[
        str | None,
        typer.Option("--role", metavar="ROLE",
                     help="Plan as this role, so that its row-level security policies apply.",
                     rich_help_panel=SAFETY),
    ] = None,
    verify_dsn: Annotated[
        str | None,
        typer.Option("--verify-dsn", metavar="DSN",
                     help="A NON-PRODUCTION copy where GIN/GiST advice is built, planned and "
                     "dropped.", rich_help_panel=SAFETY),
    ] = None,
) -> None:  # fmt: skip
    """Find the indexes that cut the cost of the workload, proven with hypothetical indexes.

    The workload comes from pg_stat_statements, --log and --sample-activity.
    Statements named with --query or --queries are analysed alone; --with-workload
    adds the workload to them. Nothing is written to the database.
    """
    from advisor.migrate.formats import names as format_names

    try:
        settings = Settings(
            min_calls=min_calls,
            min_time_ms=float(parse_duration_ms(min_time)),
            top=top,
            min_improvement=min_improvement / 100.0,
            min_workload_gain=min_workload_gain / 100.0,
            min_table_rows=min_table_rows,
            max_indexes=max_indexes,
            max_size_bytes=parse_size(max_size) if max_size else None,
            write_weight=write_weight,
            weigh_by=str(weigh_by),
            count_bulk_writes=count_bulk_writes,
            max_explains=max_explains,
            time_limit_s=parse_duration_ms(time_limit) / 1000.0 if time_limit else None,
            exhaustive_search=exhaustive_search,
        )
        run = RunOptions(
            statement_timeout_ms=parse_duration_ms(statement_timeout),
            lock_timeout_ms=parse_duration_ms(lock_timeout),
            role=role,
            verify_dsn=verify_dsn,
            review=review,
            min_stats_age_s=parse_duration_ms(min_stats_age) / 1000.0,
            replica_dsns=tuple(replica_dsn or ()),
            store=store,
            apply_log=str(apply_log) if apply_log else None,
        )
        sources = SourceOptions(
            use_pg_stat_statements=pg_stat_statements,
            logs=tuple(log or ()),
            log_format=log_format,
            log_prefix=log_prefix,
            log_statement_timeout_ms=parse_duration_ms(log_statement_timeout),
            sample_activity_s=parse_duration_ms(sample_activity) / 1000
            if sample_activity
            else None,
            sample_interval_s=parse_duration_ms(sample_interval) / 1000,
            sample_min_running_s=parse_duration_ms(sample_min_running) / 1000,
            query_files=tuple(queries_file or ()),
            queries=tuple(query or ()),
            with_workload=with_workload,
        )
        if migration_format not in format_names():
            raise UsageError(
                f"unknown migration format {migration_format!r}",
                f"choose one of {', '.join(format_names())}",
            )
        outputs = Outputs(
            fmt, output, write_migrations, migration_format, save_plan, fail_on_advice,
            verbose, quiet,
        )  # fmt: skip
        run_analysis(dsn, settings, sources, outputs, run)
    except AdvisorError as err:
        raise fail(err) from None
