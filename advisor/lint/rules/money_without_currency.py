"""Rule ``money-without-currency``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.model import LintFinding, Severity
from advisor.lint.naming import is_currency_column, money_columns
from advisor.lint.rule import Rule, RuleContext


class MoneyWithoutCurrency(Rule):
    """An amount without its currency is only half a fact. The day a second currency arrives,
    every existing row is ambiguous, and until then the currency lives in application constants
    that reports and other services cannot see. A table with money columns (by name: amount,
    price, total, fee, cost, balance, vat, ...) should carry a currency column (ISO 4217 code,
    e.g. ``currency text CHECK (currency ~ '^[A-Z]{3}$')``) beside them.
    """

    id = "money-without-currency"
    severity = Severity.WARNING
    fix = "Add a nullable currency column with an ISO 4217 check (instant: no default)."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            money = money_columns(table)
            if not money or any(is_currency_column(c.name) for c in table.columns):
                continue
            fix = [
                sql.SQL(
                    "ALTER TABLE {} ADD COLUMN currency text CHECK (currency ~ '^[A-Z]{{3}}$')"
                ).format(Name(table.ref.schema, table.ref.name))
            ]
            yield self.finding(
                f"money column(s) {', '.join(money)} but no currency column",
                table.ref,
                column=money[0],
                fix=fix,
                rollback=[
                    sql.SQL("ALTER TABLE {} DROP COLUMN currency").format(
                        Name(table.ref.schema, table.ref.name)
                    )
                ],
            )
