"""``advisor report``: the weekly report from stored snapshots, for people and for CI."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from advisor.errors import AdvisorError
from advisor.history.options import (
    DEFAULT_MIN_STATS_AGE,
    DEFAULT_RETENTION,
    DsnOpt,
    LockTimeoutOpt,
    MinStatsAgeOpt,
    QuietOpt,
    RetentionOpt,
    StatementTimeoutOpt,
    StoreOpt,
    VerboseOpt,
    fail,
    parse_retention,
    say,
)
from advisor.settings import parse_duration_ms


class ReportFormat(StrEnum):
    markdown = "markdown"
    html = "html"
    json = "json"


SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
                  ".json": "json"}  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""

    @app.command()
    def report(
        dsn: DsnOpt = None,
        store: StoreOpt = None,
        since: Annotated[
            str, typer.Option(help="Length of the period (and of the one it is compared with).")
        ] = "7d",
        fmt: Annotated[
            ReportFormat, typer.Option("--format", "-f", help="Output format.")
        ] = ReportFormat.markdown,
        output: Annotated[
            list[Path] | None,
            typer.Option(
                help="Write the report here (atomically). Repeatable: one run, one snapshot, "
                "several formats that agree; each file's format from its suffix (.md, .html, "
                ".json), else --format."
            ),
        ] = None,
        no_snapshot: Annotated[
            bool, typer.Option(help="Report on stored snapshots only; take no fresh one.")
        ] = False,
        no_advice: Annotated[
            bool, typer.Option(help="Skip the index analysis (faster; no recommendations).")
        ] = False,
        fail_on_regression: Annotated[
            float | None,
            typer.Option(
                min=0,
                help="Exit with 1 when a statement's mean time grew by more than PCT percent "
                "over the previous period (for CI).",
                metavar="PCT",
            ),
        ] = None,
        top: Annotated[int, typer.Option(min=1, help="Rows per top list.")] = 10,
        retention: RetentionOpt = DEFAULT_RETENTION,
        statement_timeout: StatementTimeoutOpt = "10s",
        lock_timeout: LockTimeoutOpt = "1s",
        min_stats_age: MinStatsAgeOpt = DEFAULT_MIN_STATS_AGE,
        quiet: QuietOpt = False,
        verbose: VerboseOpt = False,
    ) -> None:
        """Weekly report: top statements and their change, growth, unused and applied indexes.

        Takes a snapshot first (unless --no-snapshot), compares the newest snapshot with the one
        closest to --since before it, and that period with the one before. Non-interactive and
        quiet: only the report is printed (or written with --output).
        """
        from advisor.fileio import write_atomic
        from advisor.history.periods import parse_period
        from advisor.history.store import open_store
        from advisor.progress import Progress
        from advisor.report import html, json, markdown
        from advisor.report.build import ReportOptions, regressions_over
        from advisor.report.run import run_report
        from advisor.settings import Settings

        try:
            settings = Settings(
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
                    snapshot=not no_snapshot,
                    advice=None if no_advice else settings,
                    retention_seconds=keep,
                    progress=progress,
                    min_stats_age_s=settings.min_stats_age_s,
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
                say(
                    f"advisor: {len(worse)} statement(s) slower by more than "
                    f"{fail_on_regression:g} %"
                )
                raise typer.Exit(1)
