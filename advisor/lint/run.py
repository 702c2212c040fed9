"""One lint run: its configuration (defaults, then the config file, then the command line),
the linting of migrations or of the live schema, and whether its findings fail the run.

``advisor lint`` (``advisor.cli.lint``) and the MCP tools call these. Exit codes: 0 nothing at
or above ``--fail-on``, 1 findings at or above it, 2 usage or tool error, 4 connection failed or
lost.
"""

from __future__ import annotations

from pathlib import Path

from advisor.errors import UsageError
from advisor.lint import config as config_mod
from advisor.lint import registry
from advisor.lint.config import FAIL_ON_CHOICES, LintConfig, Silence
from advisor.lint.migration.check import MigrationCheck
from advisor.lint.model import LintReport
from advisor.render import layout
from advisor.settings import parse_duration_ms, parse_size


def rule_list() -> str:
    """Every rule, its severity and kind, as a text table (``--list-rules``)."""
    rows = []
    for title, items in registry.documented():
        kind = title.split(" (")[0]
        for item in items:
            scales = isinstance(item, MigrationCheck) and item.scales_with_size
            rows.append([item.id, str(item.severity) + (" (by size)" if scales else ""), kind])
    return layout.table(rows, ["rule", "severity", "kind"]) + "\n"


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
