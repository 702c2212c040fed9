"""Migration check ``money-float-type``: the live rule's question, asked of the columns a
migration creates."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.migration.check import Issue, MigrationContext
from advisor.lint.migration.checks._columns import (
    ColumnCheck,
    NewColumn,
    base_type,
    retyped,
    table_columns,
)
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity
from advisor.lint.naming import is_money_name

BAD_TYPES = {"float4": "real", "float8": "double precision", "money": "money"}


class MoneyFloatColumn(ColumnCheck):
    """A money column a migration creates as ``real``, ``double precision`` or ``float`` is
    binary floating point: 0.1 + 0.2 is not 0.3 and sums drift by fractions of a cent; the
    ``money`` type carries no currency and formats by the server's locale. A column is money
    by its name (amount, price, total, fee, cost, balance, vat, tax, ...; ``unit_price`` too) or
    by a ``<column>_currency`` column beside it. Write ``numeric(p, s)`` with the scale of the
    currency, or an integer count of the smallest unit.
    """

    id = "money-float-type"
    severity = Severity.ERROR
    fix = "The same statement with numeric(19, 4)."
    beyond_squawk = "Not a squawk rule: the schema checklist, for the columns a migration creates."

    def column(self, col: NewColumn, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        name = base_type(col)[0]
        if name not in BAD_TYPES:
            return
        if name != "money" and not is_money_name(col.name, table_columns(col, ctx)):
            return
        yield Issue(
            f"money column {col.name} stored as {BAD_TYPES[name]}",
            column=col.name,
            fix_sql=retyped(step.node, col, "numeric(19, 4)"),
        )
