"""``advisor table NAME``: everything about one table, for "this table is slow"."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from advisor.cli.options import (
    DEFAULT_MIN_STATS_AGE,
    OUTPUT,
    AdviceOpt,
    DsnOpt,
    LockTimeoutOpt,
    MinStatsAgeOpt,
    OutputOpt,
    QuietOpt,
    StatementTimeoutOpt,
    fail,
)
from advisor.errors import AdvisorError
from advisor.settings import parse_duration_ms


class TableFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


def table(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help='The table: orders, billing.invoices or \'"Sales"."UserAccounts"\' '
            "(unquoted names fold to lower case; unqualified ones follow the search_path).",
        ),
    ],
    dsn: DsnOpt = None,
    advice: AdviceOpt = True,
    min_stats_age: MinStatsAgeOpt = DEFAULT_MIN_STATS_AGE,
    fmt: Annotated[
        TableFormat,
        typer.Option("--format", "-f", help="Output format.", rich_help_panel=OUTPUT),
    ] = TableFormat.text,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    statement_timeout: StatementTimeoutOpt = "10s",
    lock_timeout: LockTimeoutOpt = "1s",
) -> None:  # fmt: skip
    """Sizes, rows, vacuum, scans, columns, indexes, workload statements, locks and advice of
    one table.

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
        with Progress.for_terminal(quiet=quiet) as progress:
            view = inspect_table(
                dsn,
                name,
                advice=Settings() if advice else None,
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
