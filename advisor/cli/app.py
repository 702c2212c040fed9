"""The ``advisor`` Typer app: its commands, ``--version``, and the last line of defence."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from advisor.cli import analyze, apply, demo, history, lint, mcp, table
from advisor.cli.help import AdvisorCommand, AdvisorGroup

COMMANDS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("analyze", analyze.analyze),
    ("demo", demo.demo),
    ("apply", apply.apply),
    ("lint", lint.lint),
    ("snapshot", history.snapshot),
    ("report", history.report),
    ("table", table.table),
    ("mcp", mcp.mcp),
)


def version() -> str:
    """``advisor 0.1.0`` (the installed package's version)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    from advisor import __version__

    try:
        return f"advisor {installed('pg-advisor')}"
    except PackageNotFoundError:
        return f"advisor {__version__}"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(version())
        raise typer.Exit()


def root(
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", is_eager=True,
                     callback=_show_version),
    ] = False,
) -> None:  # fmt: skip
    """Workload-driven PostgreSQL index advice, proven with HypoPG."""


def build() -> typer.Typer:
    """The app with every command; each command is a plain function of ``advisor.cli.*``."""
    made = typer.Typer(
        cls=AdvisorGroup,
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    made.callback()(root)
    for name, function in COMMANDS:
        made.command(name, cls=AdvisorCommand)(function)
    return made


app = build()


def main() -> None:
    """The console script: one line and an exit code for what the commands did not catch."""
    import psycopg

    from advisor.db.session import safe_message

    logging.basicConfig(level=logging.WARNING, format="advisor: %(message)s")
    try:
        app()
    except psycopg.Error as exc:  # a server error we did not expect: one line, no password
        typer.echo(f"advisor: error: {safe_message(exc)}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("advisor: interrupted", err=True)
        sys.exit(130)
