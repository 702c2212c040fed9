"""Collect the workload from every source asked for, merged and limited: what ``analyze()`` plans.

``SourceOptions`` holds the command line's source options; ``collect`` reads each source in turn
(pg_stat_statements and the activity sample on the analysis session, logs and files from disk),
merges them by fingerprint and applies ``--min-calls``, ``--min-time`` and ``--top`` to the merged
statements (not to one source before merging).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from advisor.collect.statements import read_statements
from advisor.errors import UsageError
from advisor.model import Statement
from advisor.settings import Settings
from advisor.sources.activity import sample_activity
from advisor.sources.files import given_queries, read_query_file
from advisor.sources.logread import LogFormat, read_records
from advisor.sources.logs import LogWorkload
from advisor.sources.logsettings import read_server_log_settings
from advisor.sources.merge import apply_limits, merge
from advisor.sources.model import SourcedStatement
from advisor.window import Window, from_epochs


@dataclass(frozen=True)
class SourceOptions:
    """Where the workload comes from (``advisor analyze`` options)."""

    use_pg_stat_statements: bool = True
    logs: tuple[Path, ...] = ()  # --log (repeatable)
    log_format: LogFormat = LogFormat.auto  # --log-format
    log_prefix: str | None = None  # --log-prefix (else the server's, when it fits the file)
    log_statement_timeout_ms: float | None = None  # --log-statement-timeout (default 60 s)
    sample_activity_s: float | None = None  # --sample-activity
    sample_interval_s: float = 1.0  # --sample-interval
    sample_min_running_s: float = 1.0  # --sample-min-running
    query_files: tuple[Path, ...] = ()  # --queries (repeatable)
    queries: tuple[str, ...] = ()  # --query (repeatable)
    max_samples: int = 3

    @property
    def any(self) -> bool:
        return bool(
            self.use_pg_stat_statements
            or self.logs
            or self.sample_activity_s
            or self.query_files
            or self.queries
        )


@dataclass(frozen=True)
class Workload:
    """The merged statements, and the period the logs cover (for time saved per week when
    pg_stat_statements' age does not apply)."""

    items: tuple[SourcedStatement, ...]
    log_span_seconds: float | None = None
    window: Window | None = None  # what the times of the logs or the sampling cover

    @property
    def statements(self) -> list[Statement]:
        return [i.statement for i in self.items]


def collect(
    conn: psycopg.Connection[Any],
    options: SourceOptions,
    settings: Settings,
    *,
    database: str,
    pgss_schema: str | None,
    note: Callable[[str], None] = lambda _msg: None,
) -> Workload:
    """The merged workload, statements a user named first, then most total time first."""
    if not options.any:
        raise UsageError(
            "no workload source", "use pg_stat_statements, --log, --sample-activity or --queries"
        )
    unlimited = replace(settings, min_calls=0, min_time_ms=0.0, top=None)
    groups: list[list[Statement] | list[SourcedStatement]] = []
    if options.use_pg_stat_statements and pgss_schema is not None:
        groups.append(read_statements(conn, pgss_schema, unlimited))
    span = None
    window: Window | None = None
    if options.logs:
        note(f"reading {len(options.logs)} log files")
        server = read_server_log_settings(conn)
        logs = LogWorkload(
            database=database,
            statement_timeout_ms=options.log_statement_timeout_ms,
            max_samples=options.max_samples,
        )
        for path in options.logs:
            logs.read(read_records(path, options.log_format, options.log_prefix, server))
        groups.append(logs.result())
        span = logs.span_seconds
        window = from_epochs(
            "the server log", logs.first_time, logs.last_time, "its first and last records"
        )
    if options.sample_activity_s:
        note(f"sampling running statements for {options.sample_activity_s:g} s")
        if window is None:
            window = Window(
                "sampling of running statements",
                options.sample_activity_s,
                datetime.now(UTC),
                "the --sample-activity period",
            )
        groups.append(
            sample_activity(
                conn,
                options.sample_activity_s,
                options.sample_interval_s,
                options.sample_min_running_s,
                max_samples=options.max_samples,
            )
        )
    for path in options.query_files:
        groups.append(read_query_file(path, max_samples=options.max_samples))
    if options.queries:
        groups.append(given_queries(options.queries))
    merged = merge(*groups, max_samples=options.max_samples)
    return Workload(tuple(apply_limits(merged, settings)), span, window)
