"""Options several commands share, defined once; the panels that group options in ``--help``;
and the two ways a command talks to the user besides its output (``say``, ``fail``).

Metavars say what a value is (``DSN``, ``FILE``, ``DURATION``, ``SIZE``); durations read like
PostgreSQL's (``500ms``, ``10s``, ``2min``), sizes like ``pg_size_pretty`` (``500MB``, ``2GB``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advisor.errors import AdvisorError, Interrupted

# --help panels, by purpose
INPUT = "Input"
SELECTION = "Selection"
OUTPUT = "Output"
SAFETY = "Safety"

DSN_HELP = "libpq connection string or URI; default: the PG* environment, then DATABASE_URL."

DsnOpt = Annotated[
    str | None,
    typer.Option("--dsn", metavar="DSN", help=DSN_HELP, show_default=False, rich_help_panel=INPUT),
]
StatementTimeoutOpt = Annotated[
    str,
    typer.Option(
        "--statement-timeout",
        metavar="DURATION",
        help="Longest time one statement of ours may run.",
        rich_help_panel=SAFETY,
    ),
]
LockTimeoutOpt = Annotated[
    str,
    typer.Option(
        "--lock-timeout",
        metavar="DURATION",
        help="Longest wait for a lock before a statement gives up.",
        rich_help_panel=SAFETY,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the output to this file (atomically) instead of standard output.",
        show_default=False,
        rich_help_panel=OUTPUT,
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="No progress display, even on a terminal.", rich_help_panel=OUTPUT
    ),
]
VerboseOpt = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="Say on stderr what was done.", rich_help_panel=OUTPUT),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="ADVISOR_STORE",
        metavar="FILE|URI",
        help="Snapshot store: a SQLite file, or a postgresql:// URI. Default: "
        "history.sqlite3 in the user's data directory (~/.local/share/pg-advisor).",
        show_default=False,
        rich_help_panel=INPUT,
    ),
]
RetentionOpt = Annotated[
    str,
    typer.Option(
        "--retention",
        metavar="PERIOD",
        help="Delete this database's snapshots older than this (e.g. 90d, 26w); 0 keeps all.",
        rich_help_panel=OUTPUT,
    ),
]
DEFAULT_RETENTION = "180d"
MinStatsAgeOpt = Annotated[
    str,
    typer.Option(
        "--min-stats-age",
        metavar="DURATION",
        help="Call no index unused on index statistics younger than this (the same verdict in "
        "analyze, table, report and lint).",
        rich_help_panel=SELECTION,
    ),
]
DEFAULT_MIN_STATS_AGE = "7d"
AdviceOpt = Annotated[
    bool,
    typer.Option(
        "--advice/--no-advice",
        help="Include the index analysis (without it: faster, no recommendations).",
        rich_help_panel=SELECTION,
    ),
]


def say(message: str) -> None:
    """A line on stderr: what was done, what to run next."""
    typer.echo(message, err=True)


def fail(err: AdvisorError) -> typer.Exit:
    """The one-line error of ``err`` on stderr, and the exit with its code (Ctrl-C is not an
    error: it says what it stopped)."""
    label = "" if isinstance(err, Interrupted) else "error: "
    typer.echo(f"advisor: {label}{err}", err=True)
    return typer.Exit(err.exit_code)
