"""Command-line options shared by ``snapshot``, ``report`` and ``table``.

Kept here rather than in ``advisor.cli`` so that the command modules can be registered from
``cli.py`` without importing it back.
"""

from __future__ import annotations

from typing import Annotated

import typer

from advisor.errors import AdvisorError
from advisor.history.periods import parse_period

DEFAULT_RETENTION = "180d"

DsnOpt = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="libpq connection string or URI; default: the PG* environment, then DATABASE_URL.",
        show_default=False,
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="ADVISOR_STORE",
        help="Snapshot store: a SQLite file path, or a postgresql:// URI. Default: "
        "history.sqlite3 in the user's data directory (~/.local/share/pg-advisor).",
        show_default=False,
    ),
]
RetentionOpt = Annotated[
    str,
    typer.Option(
        help="Delete this database's snapshots older than this (e.g. 90d, 26w); 0 keeps all."
    ),
]
StatementTimeoutOpt = Annotated[str, typer.Option(help="Per-statement timeout.")]
LockTimeoutOpt = Annotated[str, typer.Option(help="Lock wait limit per statement.")]
MinStatsAgeOpt = Annotated[
    str,
    typer.Option(
        help="Call no index unused on index statistics younger than this (the same verdict in "
        "analyze, table, report and lint)."
    ),
]
DEFAULT_MIN_STATS_AGE = "7d"
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress display, even on a terminal.")
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Say on stderr what was done.")]


def parse_retention(text: str) -> float | None:
    """Seconds to keep, or None to keep everything (``0``, ``never``, ``all``)."""
    if text.strip().lower() in ("0", "never", "all", "forever"):
        return None
    return parse_period(text)


def say(message: str) -> None:
    typer.echo(message, err=True)


def fail(err: AdvisorError) -> typer.Exit:
    typer.echo(f"advisor: error: {err}", err=True)
    return typer.Exit(err.exit_code)
