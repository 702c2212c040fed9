"""``advisor snapshot`` and ``advisor report``: statistics kept over time, and the weekly report."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.options import (
    DEFAULT_MIN_STATS_AGE,
    DEFAULT_RETENTION,
    INPUT,
    OUTPUT,
    SELECTION,
    AdviceOpt,
    DsnOpt,
    LockTimeoutOpt,
    MinStatsAgeOpt,
    QuietOpt,
    RetentionOpt,
    StatementTimeoutOpt,
    StoreOpt,
    VerboseOpt,
    fail,
    say,
)
from advisor.errors import AdvisorError
from advisor.settings import parse_duration_ms


class ReportFormat(StrEnum):
    markdown = "markdown"
    html = "html"
    json = "json"


SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
                  ".json": "json"}  # fmt: skip


def snapshot(
    dsn: DsnOpt = None,
    store: StoreOpt = None,
    retention: RetentionOpt = DEFAULT_RETENTION,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    statement_timeout: StatementTimeoutOpt = "30s",
    lock_timeout: LockTimeoutOpt = "1s",
) -> None:
    """Record pg_stat_statements, table and index statistics and sizes in the store.

    Silent on success unless --verbose: meant for cron, systemd timers and CronJobs.
    """
    from advisor.history.periods import parse_retention
    from advisor.history.snapshots import take_snapshot
    from advisor.history.store import open_store
    from advisor.progress import Progress

    try:
        keep = parse_retention(retention)
        with open_store(store) as target, Progress.for_terminal(quiet=quiet) as progress:
            taken = take_snapshot(
                dsn,
                target,
                retention_seconds=keep,
                statement_timeout_ms=parse_duration_ms(statement_timeout),
                lock_timeout_ms=parse_duration_ms(lock_timeout),
                progress=progress,
            )
            location = target.location
        if verbose:
            meta = taken.snapshot.meta
            say(
                f"snapshot of {meta.key.database}: {meta.statements} statements, "
                f"{len(taken.snapshot.tables)} tables, {len(taken.snapshot.indexes)} indexes "
                f"saved to {location}"
                + (f"; {taken.pruned} old snapshots pruned" if taken.pruned else "")
            )
    except AdvisorError as err:
        raise fail(err) from None


def report(
    dsn: DsnOpt = None,
    store: StoreOpt = None,
    snapshot_first: Annotated[
        bool,
        typer.Option("--snapshot/--no-snapshot",
                     help="Take a fresh snapshot first; without it, report on the stored ones.",
                     rich_help_panel=INPUT),
    ] = True,
    since: Annotated[
        str,
        typer.Option("--since", metavar="PERIOD",
                     help="Length of the period (and of the one it is compared with).",
                     rich_help_panel=SELECTION),
    ] = "7d",
    top: Annotated[
        int,
        typer.Option("--top", min=1, metavar="N", help="Rows per top list.",
                     rich_help_panel=SELECTION),
    ] = 10,
    advice: AdviceOpt = True,
    min_stats_age: MinStatsAgeOpt = DEFAULT_MIN_STATS_AGE,
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="Output format.", rich_help_panel=OUTPUT),
    ] = ReportFormat.markdown,
    output: Annotated[
        list[Path] | None,
        typer.Option("--output", "-o", metavar="FILE",
                     help="Write the report to this file (atomically); several: one run, one "
                     "snapshot, several formats that agree, each file's format from its suffix "
                     "(.md, .html, .json), else --format.", show_default=False,
                     rich_help_panel=OUTPUT),
    ] = None,
    fail_on_regression: Annotated[
        float | None,
        typer.Option("--fail-on-regression", min=0, metavar="PCT",
                     help="Exit with 1 when a statement's mean time grew by more than PCT "
                     "percent over the previous period (for CI).", rich_help_panel=OUTPUT),
    ] = None,
    retention: RetentionOpt = DEFAULT_RETENTION,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    statement_timeout: StatementTimeoutOpt = "10s",
    lock_timeout: LockTimeoutOpt = "1s",
) -> None:  # fmt: skip
    """Weekly report: top statements and their change, growth, unused and applied indexes.

    Takes a snapshot first (unless --no-snapshot), compares the newest snapshot with the one
    closest to --since before it, and that period with the one before. Non-interactive and
    quiet: only the report is printed (or written with --output).
    """
    from advisor.fileio import write_atomic
    from advisor.history.periods import parse_period, parse_retention
    from advisor.history.store import open_store
    from advisor.progress import Progress
    from advisor.report import html, json, markdown
    from advisor.report.build import ReportOptions, regressions_over
    from advisor.report.run import run_report
    from advisor.settings import RunOptions, Settings

    try:
        run = RunOptions(
            statement_timeout_ms=parse_duration_ms(statement_timeout),
            lock_timeout_ms=parse_duration_ms(lock_timeout),
            min_stats_age_s=parse_duration_ms(min_stats_age) / 1000.0,
        )
        options = ReportOptions(since_seconds=parse_period(since), top=top)
        keep = parse_retention(retention)
        with open_store(store) as target, Progress.for_terminal(quiet=quiet) as progress:
            built = run_report(
                dsn,
                target,
                options=options,
                snapshot=snapshot_first,
                advice=Settings() if advice else None,
                run=run,
                retention_seconds=keep,
                progress=progress,
            )
            location = target.location
        renderers = {"markdown": markdown, "html": html, "json": json}
        for path in output or ():
            kind = SUFFIX_FORMATS.get(path.suffix.lower(), fmt.value)
            write_atomic(path, renderers[kind].render(built))
        if not output:
            typer.echo(renderers[fmt.value].render(built), nl=False)
        if verbose:
            say(
                f"report on {built.database} from {location}"
                + (f" written to {', '.join(map(str, output))}" if output else "")
            )
    except AdvisorError as err:
        raise fail(err) from None
    if fail_on_regression is not None:
        worse = regressions_over(built, fail_on_regression)
        if worse:
            from advisor.report.fmt import plural

            say(
                f"advisor: {plural(len(worse), 'statement')} slower by more than "
                f"{fail_on_regression:g} %"
            )
            raise typer.Exit(1)
