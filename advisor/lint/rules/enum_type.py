"""Rule ``enum-type``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.db.ddl import display
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext


class EnumType(Rule):
    """An enum type is fine for a closed set of values, but changing the set needs care: values
    can be added (``ALTER TYPE ... ADD VALUE``; before PostgreSQL 12 not inside a transaction
    block, and a new value cannot be used in the transaction that added it), never removed or
    renamed in place, and removing one means creating a new type and rewriting every column
    that uses it. The rule lists each enum type with its values and columns so the set is
    reviewed on purpose. For a set that will grow with the business, a lookup table with a
    foreign key, or ``text`` with a CHECK, changes with an ordinary migration.
    """

    id = "enum-type"
    severity = Severity.INFO
    fix = "None: keep the enum if the set is closed; else a lookup table with a foreign key."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for enum in ctx.catalog.enums:
            users = [
                f"{table.ref}.{display(col.name)}"
                for table in ctx.catalog.tables.values()
                for col in table.columns
                if col.type_kind == "e"
                and (col.type_schema, col.type_name)
                == (
                    enum.schema,
                    enum.name,
                )
            ]
            used = f"; used by {', '.join(users)}" if users else "; not used by any column"
            yield self.finding(
                f"enum type with values {', '.join(enum.labels)}{used}: adding values needs "
                "care, removing them needs a new type",
                schema=enum.schema,
                obj=enum.name,
            )
