"""Migration check ``add-column-not-null-without-default``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.checks._columns import fills_values, is_not_null
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class AddColumnNotNullWithoutDefault(MigrationCheck):
    """``ADD COLUMN ... NOT NULL`` without a default fails on any table that has rows, since
    the existing rows would get NULL; on an empty table it succeeds and then breaks every
    INSERT of the application version still running, which does not know the column. Add the
    column with a constant default (instant since PostgreSQL 11), or nullable, backfill it,
    and only then make it NOT NULL with a validated CHECK. With a DSN and an empty table the
    finding is a note.
    """

    id = "add-column-not-null-without-default"
    severity = Severity.ERROR
    fix = "Give the column a constant DEFAULT (no rewrite), or add it nullable and backfill."
    squawk = ("adding-required-field",)
    beyond_squawk = "With --dsn, on an empty table the finding is only a note."

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = getattr(step.node, "relation", None)
        if ctx.created_before(relation, step.index):
            return
        table = ctx.table(relation)
        for cmd in cmds_of(step.node, AlterTableType.AT_AddColumn):
            col = cmd.def_
            if not isinstance(col, ast.ColumnDef) or not is_not_null(col) or fills_values(col):
                continue
            empty = table is not None and table.size_bytes == 0
            yield Issue(
                f"adds NOT NULL column {col.colname} without a default: "
                + (
                    "the table is empty, but running INSERTs that omit it will fail"
                    if empty
                    else "fails on a table with rows and breaks INSERTs that omit it"
                ),
                column=col.colname,
                severity=Severity.INFO if empty else None,
            )
