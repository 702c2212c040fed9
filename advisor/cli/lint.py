"""``advisor lint``: the schema checklist on the live schema or on migration files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.options import DSN_HELP, INPUT, OUTPUT, SAFETY, SELECTION, OutputOpt, fail
from advisor.errors import AdvisorError
from advisor.lint.render import LintFormat


def lint(
    dsn: Annotated[
        str | None,
        typer.Option("--dsn", metavar="DSN",
                     help=f"{DSN_HELP} With --migration: attach table sizes and locks.",
                     show_default=False, rich_help_panel=INPUT),
    ] = None,
    migration: Annotated[
        list[Path] | None,
        typer.Option("--migration", metavar="FILE|DIR",
                     help="Lint this migration file, or the migrations of this folder.",
                     rich_help_panel=INPUT),
    ] = None,
    down: Annotated[
        list[Path] | None,
        typer.Option("--down", metavar="FILE",
                     help="The down migration of the --migration at the same position.",
                     rich_help_panel=INPUT),
    ] = None,
    migration_format: Annotated[
        str | None,
        typer.Option("--migration-format", metavar="FORMAT",
                     help="The tool that runs the migrations, for their transactions and down "
                     "files: sql (psql), golang-migrate, flyway, alembic, django.",
                     show_default=False, rich_help_panel=INPUT),
    ] = None,
    pg_version: Annotated[
        str | None,
        typer.Option("--pg-version", metavar="VERSION",
                     help="Migrations without --dsn: the server's major version, e.g. 16.",
                     rich_help_panel=INPUT),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE",
                     help="Config file (default: the nearest advisor.toml or pyproject.toml).",
                     rich_help_panel=INPUT),
    ] = None,
    disable: Annotated[
        list[str] | None,
        typer.Option("--disable", metavar="RULES",
                     help="Rule ids to skip (comma lists too).", rich_help_panel=SELECTION),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", metavar="RULE:PATTERN",
                     help="Silence a rule where it matches, e.g. fk-nullable:public.orders.*",
                     rich_help_panel=SELECTION),
    ] = None,
    max_blocking_size: Annotated[
        str | None,
        typer.Option("--max-blocking-size", "--large-table", metavar="SIZE",
                     help="Migrations with --dsn: a rewrite or scan that blocks writes on a "
                     "table this big or bigger is an error, below it a warning (default 10MB).",
                     show_default=False, rich_help_panel=SELECTION),
    ] = None,
    small_table: Annotated[
        str | None,
        typer.Option("--small-table", metavar="SIZE",
                     help="Migrations with --dsn: below this size only a note (default 0).",
                     rich_help_panel=SELECTION),
    ] = None,
    partition_threshold: Annotated[
        str | None,
        typer.Option("--partition-threshold", metavar="SIZE",
                     help="Append-only tables above this size: partition them.",
                     rich_help_panel=SELECTION),
    ] = None,
    sequence_threshold: Annotated[
        float | None,
        typer.Option("--sequence-threshold", min=0, max=1, metavar="FRACTION",
                     help="Flag an int sequence past this fraction of its range.",
                     rich_help_panel=SELECTION),
    ] = None,
    fmt: Annotated[
        LintFormat, typer.Option("--format", "-f", help="Output format.", rich_help_panel=OUTPUT)
    ] = LintFormat.table,
    output: OutputOpt = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", metavar="SEVERITY",
                     help="Exit 1 on findings this severe: info, warning, error, never.",
                     rich_help_panel=OUTPUT),
    ] = None,
    list_rules: Annotated[
        bool, typer.Option("--list-rules", help="List the rules and exit.", rich_help_panel=OUTPUT)
    ] = False,
    statement_timeout: Annotated[
        str | None,
        typer.Option("--statement-timeout", metavar="DURATION",
                     help="Longest time one statement of ours may run.", rich_help_panel=SAFETY),
    ] = None,
    lock_timeout: Annotated[
        str | None,
        typer.Option("--lock-timeout", metavar="DURATION",
                     help="Longest wait for a lock before a statement gives up.",
                     rich_help_panel=SAFETY),
    ] = None,
    min_stats_age: Annotated[
        str | None,
        typer.Option("--min-stats-age", metavar="DURATION",
                     help="Rule index-review: call no index unused on index statistics younger "
                     "than this (default 7d; the same verdict as analyze, table and report).",
                     show_default=False, rich_help_panel=SELECTION),
    ] = None,
) -> None:  # fmt: skip
    """Check the live schema, or migration files, against the schema architect's checklist."""
    from advisor.fileio import write_atomic
    from advisor.lint.render import render
    from advisor.lint.run import build_config, fails, rule_list, run

    if list_rules:
        typer.echo(rule_list(), nl=False)
        return
    try:
        settings = build_config(
            config, disable=disable, ignore=ignore, fail_on=fail_on,
            small_table=small_table, max_blocking_size=max_blocking_size,
            migration_format=migration_format, pg_version=pg_version,
            partition_threshold=partition_threshold, sequence_threshold=sequence_threshold,
            statement_timeout=statement_timeout, lock_timeout=lock_timeout,
            min_stats_age=min_stats_age,
        )  # fmt: skip
        report = run(settings, dsn=dsn, migrations=migration, downs=down)
    except AdvisorError as err:
        raise fail(err) from None
    rendered = render(report, fmt)
    if output is not None:
        write_atomic(output, rendered)
    else:
        typer.echo(rendered, nl=False)
    if fails(report, settings):
        raise typer.Exit(1)
