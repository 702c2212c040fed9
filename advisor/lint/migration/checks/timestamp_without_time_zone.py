"""Migration check ``timestamp-without-time-zone``: the live rule's question, asked of the
columns a migration creates."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.migration.check import Issue, MigrationContext
from advisor.lint.migration.checks._columns import ColumnCheck, NewColumn, base_type, retyped
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class TimestampColumn(ColumnCheck):
    """A migration that creates a ``timestamp`` (without time zone) column, adds one, or
    changes a column to it, stores wall-clock readings with no zone: the same value means
    different instants to the server, the application and each analyst, and an hour repeats
    every autumn. ``timestamptz`` stores an instant and converts on the way in and out. Write
    ``timestamptz`` from the start; changing it later is a rewrite unless the session's
    TimeZone is UTC.
    """

    id = "timestamp-without-time-zone"
    severity = Severity.WARNING
    fix = "The same statement with timestamptz."
    squawk = ("prefer-timestamptz",)
    beyond_squawk = (
        "The same id checks the live schema; the fix is the statement itself, rewritten with "
        "timestamptz and everything else as written."
    )

    def column(self, col: NewColumn, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        if base_type(col)[0] != "timestamp":
            return
        yield Issue(
            f"column {col.name} is timestamp without time zone",
            column=col.name,
            fix_sql=retyped(step.node, col, "timestamptz"),
        )
