"""The ``advisor`` command: parse options, call one library function, map errors to exit codes."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import psycopg
import typer

from advisor.db.session import safe_message
from advisor.errors import AdvisorError, UsageError
from advisor.settings import Settings, parse_duration_ms, parse_size
from advisor.sources.logread import LogFormat
from advisor.sources.workload import SourceOptions

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Workload-driven PostgreSQL index advice, proven with HypoPG.",
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _fail(err: AdvisorError) -> typer.Exit:
    typer.echo(f"advisor: error: {err}", err=True)
    return typer.Exit(err.exit_code)


DsnOpt = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="libpq connection string or URI; default: the PG* environment, then DATABASE_URL.",
        show_default=False,
    ),
]


def _run_analysis(
    dsn: str | None,
    settings: Settings,
    sources: SourceOptions,
    fmt: Format,
    output: Path | None,
    migrations: Path | None,
    fail_on_advice: bool,
    migration_format: str = "sql",
    save_plan_to: Path | None = None,
) -> None:
    from advisor.fileio import write_atomic
    from advisor.migrate.write import write
    from advisor.pipeline import analyze
    from advisor.render import json as render_json
    from advisor.render import text as render_text
    from advisor.review.migrations import write_drop_migrations

    progress = _say if settings.verbose and sys.stderr.isatty() else None
    report = analyze(dsn, settings, sources, progress=progress)
    if fmt is Format.json:
        rendered = render_json.render(report)
    else:
        rendered = render_text.render(
            report, markdown=fmt is Format.markdown, verbose=settings.verbose
        )
    if output is not None:
        write_atomic(output, rendered)
    else:
        typer.echo(rendered, nl=False)
    if migrations is not None:
        written = write(migrations, report.recommendations, migration_format)
        if migration_format == "sql":
            written += write_drop_migrations(migrations, report.findings)
        _say(f"wrote {len(written)} migration files to {migrations}")
    if save_plan_to is not None:
        from advisor.plan_file import save_plan

        save_plan(save_plan_to, report)
        _say(f"saved the plan to {save_plan_to}: advisor apply {save_plan_to}")
    if fail_on_advice and report.recommendations:
        raise typer.Exit(1)


@app.command()
def analyze(
    dsn: DsnOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[Path | None, typer.Option(help="Write the report here (atomically).")] = None,
    write_migrations: Annotated[
        Path | None, typer.Option(help="Write numbered up/down migrations into this directory.")
    ] = None,
    migration_format: Annotated[
        str,
        typer.Option(help="sql, golang-migrate, flyway, alembic or django (drops: sql only)."),
    ] = "sql",
    save_plan: Annotated[
        Path | None, typer.Option(help="Save the advice as a plan for `advisor apply`.")
    ] = None,
    no_review: Annotated[
        bool, typer.Option(help="Skip the review of the existing indexes.")
    ] = False,
    min_stats_age: Annotated[
        str,
        typer.Option(help="Call no index unused on index statistics younger than this."),
    ] = "7d",
    replica_dsn: Annotated[
        list[str] | None,
        typer.Option(help="A replica whose index scans count too (repeatable)."),
    ] = None,
    query: Annotated[
        list[str] | None,
        typer.Option(help="Analyse this statement alone (repeatable; see --with-workload)."),
    ] = None,
    queries_file: Annotated[
        list[Path] | None,
        typer.Option("--queries", help="Analyse the statements of this SQL file (-- calls: N)."),
    ] = None,
    with_workload: Annotated[
        bool,
        typer.Option(
            help="With --query/--queries: add the database's workload (pg_stat_statements, "
            "--log) to the same selection."
        ),
    ] = False,
    log: Annotated[
        list[Path] | None,
        typer.Option(help="Read statements from this server log (repeatable; may be compressed)."),
    ] = None,
    log_format: Annotated[
        LogFormat, typer.Option(help="auto, stderr, csvlog or jsonlog.")
    ] = LogFormat.auto,
    log_prefix: Annotated[
        str | None,
        typer.Option(
            help="The log_line_prefix of stderr logs (default: the server's, if it fits the file)."
        ),
    ] = None,
    log_statement_timeout: Annotated[
        str,
        typer.Option(help="Weight of a statement cancelled by a timeout the log does not show."),
    ] = "60s",
    sample_activity: Annotated[
        str | None,
        typer.Option(help="Poll pg_stat_activity this long for long-running statements (30s)."),
    ] = None,
    sample_interval: Annotated[str, typer.Option(help="Time between activity polls.")] = "1s",
    sample_min_running: Annotated[
        str, typer.Option(help="Sample only statements running at least this long.")
    ] = "1s",
    no_pg_stat_statements: Annotated[
        bool, typer.Option(help="Do not read pg_stat_statements (logs, files, --query only).")
    ] = False,
    min_calls: Annotated[int, typer.Option(min=0, help="Ignore statements called less.")] = 1,
    min_time: Annotated[
        str, typer.Option(help="Ignore statements whose total time is below this (e.g. 1s).")
    ] = "0ms",
    top: Annotated[
        int | None, typer.Option(min=1, help="Analyse only the N statements of most total time.")
    ] = None,
    min_improvement: Annotated[
        float, typer.Option(min=0, max=100, help="Percent a statement must improve by.")
    ] = 10.0,
    min_workload_gain: Annotated[
        float,
        typer.Option(
            min=0, max=100, help="Percent of the workload's time an index must save (0: off)."
        ),
    ] = 0.0,
    min_table_rows: Annotated[
        int, typer.Option(min=0, help="Tables with fewer rows get no index.")
    ] = 1000,
    max_indexes: Annotated[
        int | None, typer.Option(min=0, help="Recommend at most N indexes.")
    ] = None,
    max_size: Annotated[
        str | None, typer.Option(help="Total size budget of new indexes, e.g. 2GB.")
    ] = None,
    write_weight: Annotated[
        float,
        typer.Option(min=0, help="Multiplier of the write cost subtracted from benefits (0: off)."),
    ] = 1.0,
    role: Annotated[
        str | None,
        typer.Option(help="Plan as this role, so its row-level security policies apply."),
    ] = None,
    verify_dsn: Annotated[
        str | None,
        typer.Option(
            help="A NON-PRODUCTION copy where GIN/GiST advice is built, planned and dropped."
        ),
    ] = None,
    statement_timeout: Annotated[str, typer.Option(help="Per-statement timeout.")] = "10s",
    lock_timeout: Annotated[str, typer.Option(help="Lock wait limit per statement.")] = "1s",
    fail_on_advice: Annotated[
        bool, typer.Option(help="Exit with 1 when there is advice (for CI).")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Say why statements got no advice.")
    ] = False,
) -> None:
    """Find the indexes that cut the cost of the workload, proven with hypothetical indexes."""
    try:
        settings = Settings(
            statement_timeout_ms=parse_duration_ms(statement_timeout),
            lock_timeout_ms=parse_duration_ms(lock_timeout),
            min_calls=min_calls,
            min_time_ms=float(parse_duration_ms(min_time)),
            top=top,
            min_improvement=min_improvement / 100.0,
            min_workload_gain=min_workload_gain / 100.0,
            min_table_rows=min_table_rows,
            max_indexes=max_indexes,
            max_size_bytes=parse_size(max_size) if max_size else None,
            write_weight=write_weight,
            role=role,
            verify_dsn=verify_dsn,
            review=not no_review,
            min_stats_age_s=parse_duration_ms(min_stats_age) / 1000.0,
            replica_dsns=tuple(replica_dsn or ()),
            verbose=verbose,
        )
        sources = SourceOptions(
            use_pg_stat_statements=not no_pg_stat_statements,
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
        from advisor.migrate.formats import names as format_names

        if migration_format not in format_names():
            raise UsageError(
                f"unknown migration format {migration_format!r}",
                f"choose one of {', '.join(format_names())}",
            )
        _run_analysis(
            dsn, settings, sources, fmt, output, write_migrations, fail_on_advice,
            migration_format=migration_format, save_plan_to=save_plan,
        )  # fmt: skip
    except AdvisorError as err:
        raise _fail(err) from None


@app.command()
def demo(
    keep: Annotated[
        bool, typer.Option(help="Leave the demo cluster running and print its DSN.")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    write_migrations: Annotated[
        Path | None, typer.Option(help="Write the migrations into this directory.")
    ] = None,
    scale: Annotated[float, typer.Option(min=0, help="Workload replay multiplier.")] = 1.0,
) -> None:
    """Start a throwaway cluster, load the demo application, replay its workload, analyse it."""
    from advisor.demo.run import demo_dir, prepare
    from advisor.localdb.cluster import LocalCluster

    try:
        base = demo_dir()
        if base.exists():
            _stop_quietly(base)
            shutil.rmtree(base, ignore_errors=True)
        cluster = LocalCluster(base_dir=base)
        _say(f"starting a throwaway PostgreSQL cluster in {base} ...")
        cluster.start()
        try:
            dsn = prepare(cluster, _say, scale=scale)
            _say("analysing: advisor analyze --verbose\n")
            _run_analysis(
                dsn, Settings(verbose=True), SourceOptions(), fmt, None, write_migrations, False
            )
        finally:
            if keep:
                _say(f"\ndemo cluster left running: advisor analyze --dsn '{dsn}'")
            else:
                cluster.stop()
                shutil.rmtree(base, ignore_errors=True)
    except AdvisorError as err:
        raise _fail(err) from None


def _stop_quietly(base: Path) -> None:
    from advisor.localdb.cluster import LocalCluster

    with contextlib.suppress(AdvisorError):
        LocalCluster(base_dir=base, port=0).stop("immediate")


def _register_commands() -> None:
    """Commands that live beside their library code, each behind its own ``register``."""
    from advisor.apply.command import register as register_apply
    from advisor.history.command import register as register_snapshot
    from advisor.lint.command import register as register_lint
    from advisor.mcp.command import register as register_mcp
    from advisor.report.command import register as register_report
    from advisor.table_view.command import register as register_table

    register_apply(app)
    register_lint(app)
    register_snapshot(app)
    register_report(app)
    register_table(app)
    register_mcp(app)


_register_commands()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="advisor: %(message)s")
    try:
        app()
    except psycopg.Error as exc:  # a server error we did not expect: one line, no password
        typer.echo(f"advisor: error: {safe_message(exc)}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("advisor: interrupted", err=True)
        sys.exit(130)
