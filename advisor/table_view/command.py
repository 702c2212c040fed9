"""``advisor table NAME``: everything about one table, for "this table is slow"."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from advisor.errors import AdvisorError
from advisor.history.options import (
    DEFAULT_MIN_STATS_AGE,
    DsnOpt,
    LockTimeoutOpt,
    MinStatsAgeOpt,
    QuietOpt,
    StatementTimeoutOpt,
    fail,
)
from advisor.settings import parse_duration_ms


class TableFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the ``table`` command to ``app``."""

    @app.command("table")
    def table(
        name: Annotated[
            str,
            typer.Argument(
                help='The table: orders, billing.invoices or \'"Sales"."UserAccounts"\' '
                "(unquoted names fold to lower case; unqualified ones follow the search_path)."
            ),
        ],
        dsn: DsnOpt = None,
        fmt: Annotated[
            TableFormat, typer.Option("--format", "-f", help="Output format.")
        ] = TableFormat.text,
        output: Annotated[
            Path | None, typer.Option(help="Write the output here (atomically).")
        ] = None,
        no_advice: Annotated[
            bool, typer.Option(help="Skip the index analysis (faster; no recommendations).")
        ] = False,
        statement_timeout: StatementTimeoutOpt = "10s",
        lock_timeout: LockTimeoutOpt = "1s",
        min_stats_age: MinStatsAgeOpt = DEFAULT_MIN_STATS_AGE,
        quiet: QuietOpt = False,
    ) -> None:
        """Sizes, rows, vacuum, scans, indexes, workload statements, locks and advice of a table.

        A name that matches no table exits with 2 and lists the closest names.
        """
        from advisor.fileio import write_atomic
        from advisor.progress import Progress
        from advisor.settings import Settings
        from advisor.table_view.build import inspect_table
        from advisor.table_view.render import render_json, render_text

        try:
            timeout = parse_duration_ms(statement_timeout)
            locks = parse_duration_ms(lock_timeout)
            min_age = parse_duration_ms(min_stats_age) / 1000.0
            settings = Settings(
                statement_timeout_ms=timeout, lock_timeout_ms=locks, min_stats_age_s=min_age
            )
            with Progress.for_terminal(quiet=quiet) as progress:
                view = inspect_table(
                    dsn,
                    name,
                    advice=None if no_advice else settings,
                    statement_timeout_ms=timeout,
                    lock_timeout_ms=locks,
                    min_stats_age_s=min_age,
                    progress=progress,
                )
            if fmt is TableFormat.json:
                text = render_json(view)
            else:
                text = render_text(view, markdown=fmt is TableFormat.markdown)
            if output is not None:
                write_atomic(output, text)
            else:
                typer.echo(text, nl=False)
        except AdvisorError as err:
            raise fail(err) from None
