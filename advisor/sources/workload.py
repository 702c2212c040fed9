"""Collect the workload from every source asked for, merged and limited: what ``analyze()`` plans.

``SourceOptions`` holds the command line's source options; ``collect`` reads each source in turn
(pg_stat_statements and the activity sample on the analysis session, logs and files from disk),
merges them by fingerprint, leaves out the advisor's own statements and applies ``--min-calls``,
``--min-time`` and ``--top`` to the merged statements (not to one source before merging).

Statements a user names (``--query``, ``--queries``) stand alone: "why is this query slow" gets an
answer about that query, not about the whole database. The database's own workload
(pg_stat_statements, ``--log``, ``--sample-activity``) joins them only with ``--with-workload``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from advisor.errors import UsageError
from advisor.model import Statement
from advisor.progress import Progress
from advisor.report.fmt import plural
from advisor.settings import Settings
from advisor.sources import pgss
from advisor.sources.activity import sample_activity
from advisor.sources.files import given_queries, read_query_file
from advisor.sources.logread import LogFormat, read_records
from advisor.sources.logs import LogWorkload
from advisor.sources.logsettings import read_server_log_settings
from advisor.sources.merge import apply_limits, merge
from advisor.sources.model import SourcedStatement
from advisor.sources.own import is_advisor_statement
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
    with_workload: bool = False  # --with-workload: the database's workload joins named statements
    max_samples: int = 3

    @property
    def named(self) -> bool:
        """Whether the user named statements (``--query``, ``--queries``)."""
        return bool(self.query_files or self.queries)

    @property
    def reads_pg_stat_statements(self) -> bool:
        """pg_stat_statements is read unless turned off, or statements were named on their own."""
        return self.use_pg_stat_statements and (self.with_workload or not self.named)

    @property
    def any(self) -> bool:
        return bool(
            self.reads_pg_stat_statements or self.logs or self.sample_activity_s or self.named
        )

    def check(self) -> None:
        """``UsageError`` for a combination that would leave a source unread."""
        if self.named and not self.with_workload and (self.logs or self.sample_activity_s):
            given = "--log" if self.logs else "--sample-activity"
            raise UsageError(
                f"{given} reads the database's workload, and --query/--queries analyse only "
                "the statements named",
                "add --with-workload to analyse both in one selection",
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
    progress: Progress | None = None,
) -> Workload:
    """The merged workload, statements a user named first, then most total time first."""
    progress = progress or Progress(enabled=False)
    options.check()
    if not options.any:
        raise UsageError(
            "no workload source", "use pg_stat_statements, --log, --sample-activity or --queries"
        )
    groups: list[list[Statement] | list[SourcedStatement]] = []
    if options.reads_pg_stat_statements and pgss_schema is not None:
        groups.append(pgss.read(conn, pgss_schema))
    span = None
    window: Window | None = None
    if options.logs:
        progress.note(f"reading {plural(len(options.logs), 'log file')}")
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
        progress.note("sampling the running statements")
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
                tick=progress.countdown("sampling pg_stat_activity", options.sample_activity_s),
            )
        )
    for path in options.query_files:
        groups.append(read_query_file(path, max_samples=options.max_samples))
    if options.queries:
        groups.append(given_queries(options.queries))
    merged = [
        item
        for item in merge(*groups, max_samples=options.max_samples)
        if not is_advisor_statement(item.statement.query)  # our catalog reads and EXPLAINs
    ]
    return Workload(tuple(apply_limits(merged, settings)), span, window)
