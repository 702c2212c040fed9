"""Rule ``timestamp-without-time-zone``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext


class TimestampWithoutTimeZone(Rule):
    """``timestamp without time zone`` stores a wall-clock reading with no zone: the same value
    means different instants to a server in UTC, an application in Europe/Berlin and an analyst
    in New York, and an hour repeats every autumn. ``timestamptz`` stores an instant (as UTC)
    and converts on the way in and out, so comparisons, intervals and ordering are right
    wherever they are computed. Use ``timestamptz`` for anything that happened or will happen;
    keep ``timestamp`` only for deliberately zone-less local times (a shop's opening hour).
    """

    id = "timestamp-without-time-zone"
    severity = Severity.WARNING
    fix = (
        "Change the column to timestamptz with the session time zone set to the zone the values "
        "were written in (UTC: no table rewrite on PostgreSQL 12+)."
    )

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            for col in table.columns:
                if col.type_name != "timestamp":
                    continue
                fix = [
                    sql.SQL("-- values written in UTC: with TimeZone UTC this needs no rewrite"),
                    sql.SQL("SET TimeZone = 'UTC'"),
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE timestamptz").format(
                        Name(table.ref.schema, table.ref.name), Name(col.name)
                    ),
                ]
                rollback = [
                    sql.SQL("SET TimeZone = 'UTC'"),
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE timestamp").format(
                        Name(table.ref.schema, table.ref.name), Name(col.name)
                    ),
                ]
                yield self.finding(
                    f"column is {col.type}", table.ref, column=col.name, fix=fix, rollback=rollback
                )
