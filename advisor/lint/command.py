"""The ``advisor lint`` command: parse options, call one library function, map errors to exit
codes. ``register(app)`` adds it to the ``advisor`` Typer app.

Exit codes: 0 nothing at or above ``--fail-on``, 1 findings at or above it, 2 usage or tool
error, 4 connection failed or lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from tabulate import tabulate

from advisor.errors import AdvisorError, UsageError
from advisor.lint import config as config_mod
from advisor.lint import registry
from advisor.lint.config import FAIL_ON_CHOICES, LintConfig, Silence
from advisor.lint.migration.check import MigrationCheck
from advisor.lint.model import LintReport
from advisor.lint.render import LintFormat, render
from advisor.settings import parse_duration_ms, parse_size


def _rule_list() -> str:
    rows = []
    for title, items in registry.documented():
        kind = title.split(" (")[0]
        for item in items:
            scales = isinstance(item, MigrationCheck) and item.scales_with_size
            rows.append([item.id, str(item.severity) + (" (by size)" if scales else ""), kind])
    return str(tabulate(rows, ["rule", "severity", "kind"], tablefmt="simple")) + "\n"


def build_config(
    config_path: Path | None,
    *,
    disable: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_on: str | None = None,
    small_table: str | None = None,
    max_blocking_size: str | None = None,
    migration_format: str | None = None,
    pg_version: str | None = None,
    partition_threshold: str | None = None,
    sequence_threshold: float | None = None,
    statement_timeout: str | None = None,
    lock_timeout: str | None = None,
    min_stats_age: str | None = None,
) -> LintConfig:
    """Defaults, then the config file, then these command-line values."""
    if fail_on is not None and fail_on not in FAIL_ON_CHOICES:
        raise UsageError(f"--fail-on must be one of {', '.join(FAIL_ON_CHOICES)}")
    disabled = config_mod.split_ids(disable or [])
    registry.validate(disabled)
    config = config_mod.load(config_path)
    registry.validate(config.disable)
    return config_mod.override(
        config,
        disable=disabled or None,
        ignore=[Silence.parse(i) for i in ignore] if ignore else None,
        fail_on=fail_on,
        small_table_bytes=parse_size(small_table) if small_table else None,
        max_blocking_bytes=parse_size(max_blocking_size) if max_blocking_size else None,
        migration_format=config_mod.check_migration_format(migration_format)
        if migration_format
        else None,
        pg_version=config_mod.check_pg_version(pg_version) if pg_version else None,
        partition_threshold_bytes=parse_size(partition_threshold) if partition_threshold else None,
        sequence_threshold=sequence_threshold,
        statement_timeout_ms=parse_duration_ms(statement_timeout) if statement_timeout else None,
        lock_timeout_ms=parse_duration_ms(lock_timeout) if lock_timeout else None,
        min_stats_age_s=parse_duration_ms(min_stats_age) / 1000.0 if min_stats_age else None,
    )


def run(
    config: LintConfig,
    *,
    dsn: str | None = None,
    migrations: list[Path] | None = None,
    downs: list[Path] | None = None,
) -> LintReport:
    """Lint migrations when some are given (with table facts if ``dsn``), else the live schema."""
    if downs and not migrations:
        raise UsageError("--down needs --migration")
    if migrations:
        from advisor.lint.migration import run as migration_run

        return migration_run.lint(
            migrations, config, downs=downs or (), dsn=dsn, use_database=bool(dsn)
        )
    from advisor.lint import live

    return live.lint(dsn, config)


def fails(report: LintReport, config: LintConfig) -> bool:
    level = config.fail_level
    return level is not None and any(f.severity.rank >= level.rank for f in report.findings)


def register(app: typer.Typer) -> None:
    """Add ``advisor lint`` to ``app``."""

    @app.command()
    def lint(
        dsn: Annotated[
            str | None,
            typer.Option(
                "--dsn",
                help="libpq connection string or URI; default for the live lint: the PG* "
                "environment, then DATABASE_URL. With --migration: attach table sizes and locks.",
                show_default=False,
            ),
        ] = None,
        migration: Annotated[
            list[Path] | None,
            typer.Option(help="Lint this migration file or directory (repeatable)."),
        ] = None,
        down: Annotated[
            list[Path] | None,
            typer.Option(help="The down migration of the --migration at the same position."),
        ] = None,
        fmt: Annotated[
            LintFormat, typer.Option("--format", "-f", help="Output format.")
        ] = LintFormat.table,
        fail_on: Annotated[
            str | None,
            typer.Option(help="Exit 1 on findings this severe: info, warning, error, never."),
        ] = None,
        disable: Annotated[
            list[str] | None, typer.Option(help="Rule ids to skip (repeatable, comma lists).")
        ] = None,
        ignore: Annotated[
            list[str] | None,
            typer.Option(help="Silence RULE:PATTERN, e.g. fk-nullable:public.orders.* ."),
        ] = None,
        config: Annotated[
            Path | None,
            typer.Option(help="Config file (default: nearest advisor.toml or pyproject.toml)."),
        ] = None,
        output: Annotated[
            Path | None, typer.Option(help="Write the report here (atomically).")
        ] = None,
        max_blocking_size: Annotated[
            str | None,
            typer.Option(
                "--max-blocking-size",
                "--large-table",
                help="Migrations with --dsn: a rewrite or scan that blocks writes on a table "
                "this big or bigger is an error, below it a warning (default 10MB).",
                show_default=False,
            ),
        ] = None,
        small_table: Annotated[
            str | None,
            typer.Option(help="Migrations with --dsn: below this size only a note (default 0)."),
        ] = None,
        migration_format: Annotated[
            str | None,
            typer.Option(
                "--migration-format",
                help="The tool that runs the migrations, for their transactions and down files: "
                "sql (psql), golang-migrate, flyway, alembic, django.",
                show_default=False,
            ),
        ] = None,
        pg_version: Annotated[
            str | None,
            typer.Option(help="Migrations without --dsn: the server's major version, e.g. 16."),
        ] = None,
        partition_threshold: Annotated[
            str | None, typer.Option(help="Append-only tables above this size: partition.")
        ] = None,
        sequence_threshold: Annotated[
            float | None,
            typer.Option(min=0, max=1, help="Fraction of an int sequence's range to flag."),
        ] = None,
        statement_timeout: Annotated[
            str | None, typer.Option(help="Per-statement timeout.")
        ] = None,
        lock_timeout: Annotated[str | None, typer.Option(help="Lock wait limit.")] = None,
        min_stats_age: Annotated[
            str | None,
            typer.Option(
                help="Rule index-review: call no index unused on index statistics younger than "
                "this (default 7d; the same verdict as analyze, table and report).",
                show_default=False,
            ),
        ] = None,
        list_rules: Annotated[
            bool, typer.Option("--list-rules", help="List the rules and exit.")
        ] = False,
    ) -> None:
        """Check the live schema, or migration files, against the schema architect's checklist."""
        from advisor.fileio import write_atomic

        if list_rules:
            typer.echo(_rule_list(), nl=False)
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
            typer.echo(f"advisor: error: {err}", err=True)
            raise typer.Exit(err.exit_code) from None
        rendered = render(report, fmt)
        if output is not None:
            write_atomic(output, rendered)
        else:
            typer.echo(rendered, nl=False)
        if fails(report, settings):
            raise typer.Exit(1)
