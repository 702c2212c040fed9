"""Migration check ``set-not-null-scan``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from advisor.lint.catalog import TableInfo
from advisor.lint.migration.check import (
    Issue,
    MigrationCheck,
    MigrationContext,
    cmds_of,
)
from advisor.lint.migration.inventory import not_null_column
from advisor.lint.migration.safe_steps import not_null_via_check
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity
from advisor.lint.sqlexpr import parse_expression


def _validated_in_database(table: TableInfo | None, ctx: MigrationContext, column: str) -> bool:
    if table is None or ctx.catalog is None:
        return False
    col = table.column(column)
    if col is not None and col.not_null:
        return True  # already NOT NULL: the statement does nothing
    for con in ctx.catalog.constraints_of(table.ref, "c"):
        text = con.definition.removeprefix("CHECK ")
        if con.validated and not_null_column(parse_expression(text)) == column:
            return True
    return False


def proven_not_null(step: Step, ctx: MigrationContext, relation: ast.RangeVar, column: str) -> bool:
    """Does a validated ``CHECK (column IS NOT NULL)`` (earlier in the run of migrations, or in the
    database) let ``SET NOT NULL`` skip its scan?"""
    where = (ctx.position, step.index)
    return ctx.inventory.not_null_proven(relation, column, where) or _validated_in_database(
        ctx.table(relation), ctx, column
    )


class SetNotNullScan(MigrationCheck):
    """``ALTER COLUMN ... SET NOT NULL`` scans the whole table to prove there is no NULL, under
    an ACCESS EXCLUSIVE lock that blocks reads and writes for the whole scan. Since PostgreSQL
    12 the scan is skipped when a validated ``CHECK (col IS NOT NULL)`` already proves it: add
    that check ``NOT VALID``, ``VALIDATE`` it (a weak lock), then ``SET NOT NULL`` is instant
    and the check can be dropped. The rule looks for such a check earlier in the run of
    migrations (in this file or an earlier one) and, with a DSN, in the database.
    """

    id = "set-not-null-scan"
    severity = Severity.WARNING
    fix = "CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, SET NOT NULL, drop the check."
    scales_with_size = True
    squawk = ("adding-not-nullable-field",)
    beyond_squawk = (
        "Also finds the validated check in the live database (--dsn), not only earlier in the "
        "same file; a VALIDATE in the same transaction as its NOT VALID is caught by "
        "scan-under-held-lock."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = ctx.existing(step)
        if relation is None:
            return
        for cmd in cmds_of(step.node, AlterTableType.AT_SetNotNull):
            column = cmd.name or ""
            if proven_not_null(step, ctx, relation, column):
                continue
            yield Issue(
                f"SET NOT NULL on {column} scans the table under an ACCESS EXCLUSIVE lock",
                column=column,
                fix_sql="\n".join(not_null_via_check(relation, column)),
            )
