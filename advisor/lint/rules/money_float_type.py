"""Rule ``money-float-type``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.model import LintFinding, Severity
from advisor.lint.naming import is_money_column
from advisor.lint.rule import Rule, RuleContext

BAD_TYPES = {"float4": "real", "float8": "double precision", "money": "money"}


class MoneyFloatType(Rule):
    """Money stored as ``real`` or ``double precision`` is binary floating point: 0.1 + 0.2 is
    not 0.3, sums drift by fractions of a cent and rounding differs between the database and the
    application. The ``money`` type is exact but carries no currency, formats by the server's
    ``lc_monetary`` and has a fixed two-digit scale. A column is money when its name says so
    (amount, price, total, fee, cost, balance, vat, tax, ...) or a ``<column>_currency`` column
    stands beside it; a ``money`` column is money whatever its name. Store money as
    ``numeric(p, s)`` with explicit precision and scale, or as an integer count of the smallest
    unit, with the currency in its own column.
    """

    id = "money-float-type"
    severity = Severity.ERROR
    fix = (
        "Change the column to numeric(19, 4) (rewrites the table; check the values round as "
        "expected first)."
    )

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            for col in table.columns:
                if col.type_name not in BAD_TYPES:
                    continue
                if col.type_name != "money" and not is_money_column(table, col.name):
                    continue
                fix = [
                    sql.SQL("-- rewrites the table under an ACCESS EXCLUSIVE lock"),
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE numeric(19, 4)").format(
                        Name(table.ref.schema, table.ref.name), Name(col.name)
                    ),
                ]
                yield self.finding(
                    f"money column stored as {BAD_TYPES[col.type_name]}",
                    table.ref,
                    column=col.name,
                    fix=fix,
                )
