"""Migration check ``prefer-text``."""

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


class PreferText(ColumnCheck):
    """A ``varchar(n)`` column keeps its limit in the type, so changing the limit is a type
    change: raising it is catalog-only but still takes an ACCESS EXCLUSIVE lock, and lowering
    it rewrites the table. ``text`` with ``CHECK (char_length(col) <= n)`` holds the same
    limit, and changing it is a new CHECK added ``NOT VALID`` and validated under a lock that
    lets reads and writes through. A note, not a fault: ``varchar(n)`` is fine where the limit
    will never move.
    """

    id = "prefer-text"
    severity = Severity.INFO
    fix = "The same statement with text and CHECK (char_length(col) <= n)."
    squawk = ("prefer-text-field",)
    beyond_squawk = (
        "A note, since raising a varchar limit is catalog-only (type-change-rewrite passes it); "
        "the fix keeps the author's limit as a CHECK, validated separately on an existing "
        "table."
    )

    def column(self, col: NewColumn, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        name, mods = base_type(col)
        if name != "varchar" or not mods:
            return
        new_table = ctx.created_before(col.relation, step.index)
        check = length_check(col.name, mods[0])
        yield Issue(
            f"column {col.name} is varchar({mods[0]}): its limit can only change by a type change",
            column=col.name,
            fix_sql=retyped_with_check(step.node, col, "text", check, new_table),
        )
