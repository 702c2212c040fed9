"""Rule ``money-numeric-unbounded``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.model import LintFinding, Severity
from advisor.lint.naming import is_money_column
from advisor.lint.rule import Rule, RuleContext


class MoneyNumericUnbounded(Rule):
    """A money column declared as plain ``numeric`` accepts any scale: one row holds 10.5, the
    next 10.499999999, and the application, reports and the payment provider each round them
    differently. Declaring ``numeric(p, s)`` makes the database refuse or round values to the
    scale the business uses, and documents that scale where everyone reads it. Pick the
    precision from the largest amount you will store and the scale from the currency's minor
    unit (or more, for prices per unit).
    """

    id = "money-numeric-unbounded"
    severity = Severity.WARNING
    fix = (
        "Give the column a precision and scale, e.g. numeric(19, 4) (a rewrite; check the "
        "largest scale in use first)."
    )

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            for col in table.columns:
                if col.type_name != "numeric" or col.numeric_precision is not None:
                    continue
                if not is_money_column(table, col.name):
                    continue
                name, column = Name(table.ref.schema, table.ref.name), Name(col.name)
                fix = [
                    sql.SQL(
                        "-- rewrites the table; check first: SELECT max(scale({})) FROM {}"
                    ).format(column, name),
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE numeric(19, 4)").format(
                        name, column
                    ),
                ]
                yield self.finding(
                    "money column is numeric without precision and scale",
                    table.ref,
                    column=col.name,
                    fix=fix,
                )
