"""Migration check ``char-type``: the live rule's question, asked of the columns a migration
creates."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.migration.check import Issue, MigrationContext
from advisor.lint.migration.checks._columns import (
    ColumnCheck,
    NewColumn,
    base_type,
    length_check,
)
from advisor.lint.migration.safe_steps import retyped_with_check
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class CharColumn(ColumnCheck):
    """A ``char(n)`` column (``character``, ``bpchar``) pads every value with spaces to n
    characters, ignores trailing spaces in comparisons but not in ``LIKE`` or regular
    expressions, and is no faster or smaller than ``text``. A migration that creates one, adds
    one or changes a column to one is flagged; write ``text`` with a CHECK on the length (or
    the shape) instead, which keeps the author's limit without the padding.
    """

    id = "char-type"
    severity = Severity.WARNING
    fix = "The same statement with text and CHECK (char_length(col) <= n)."
    squawk = ("ban-char-field",)
    beyond_squawk = "The same id checks the live schema; the fix keeps the length limit as a CHECK."

    def column(self, col: NewColumn, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        name, mods = base_type(col)
        if name != "bpchar":
            return
        length = mods[0] if mods else 1
        new_table = ctx.created_before(col.relation, step.index)
        check = length_check(col.name, length)
        fix = retyped_with_check(step.node, col, "text", check, new_table)
        yield Issue(f"column {col.name} is char({length})", column=col.name, fix_sql=fix)
