"""Migration check ``money-numeric-unbounded``: the live rule's question, asked of the columns
a migration creates."""

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


class MoneyNumericColumn(ColumnCheck):
    """A money column a migration creates as plain ``numeric`` accepts any scale: one row holds
    10.5, the next 10.499999999, and the application, the reports and the payment provider
    round them differently. ``numeric(p, s)`` makes the database keep the scale the business
    uses. (Changing a column *to* plain ``numeric`` later is catalog-only; this is about the
    columns being created.)
    """

    id = "money-numeric-unbounded"
    severity = Severity.WARNING
    fix = "The same statement with numeric(19, 4), or the precision and scale you need."
    beyond_squawk = "Not a squawk rule: the schema checklist, for the columns a migration creates."

    def column(self, col: NewColumn, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        if col.action == "type" or base_type(col) != ("numeric", ()):
            return
        if not is_money_name(col.name, table_columns(col, ctx)):
            return
        yield Issue(
            f"money column {col.name} is numeric without precision and scale",
            column=col.name,
            fix_sql=retyped(step.node, col, "numeric(19, 4)"),
        )
