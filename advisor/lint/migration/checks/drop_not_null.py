"""Migration check ``drop-not-null``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast.enums import AlterTableType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class DropNotNull(MigrationCheck):
    """``ALTER COLUMN ... DROP NOT NULL`` removes a promise readers rely on: reports that sum
    or join on the column, application code that never expected NULL, functions written
    without a NULL branch, all start to meet NULLs the moment the first one is written. It is
    not additive: do it only once every reader handles NULL (deploy that first), or keep the
    column NOT NULL and write an explicit value (a default, a marker) instead of NULL. Columns
    of a table created in the same migration are not flagged; with ``--dsn``, neither is a
    column that is nullable already.
    """

    id = "drop-not-null"
    severity = Severity.WARNING
    fix = "None: make every reader handle NULL first, or keep NOT NULL and write a default."
    squawk = ("ban-drop-not-null",)
    beyond_squawk = (
        "Skips tables created in the same migration and, with --dsn, columns that are nullable "
        "already."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = ctx.existing(step)
        if relation is None:
            return
        table = ctx.table(relation)
        for cmd in cmds_of(step.node, AlterTableType.AT_DropNotNull):
            col = table.column(cmd.name or "") if table is not None else None
            if col is not None and not col.not_null:
                continue
            yield Issue(
                f"drops NOT NULL on {cmd.name}: readers that rely on it meet NULLs",
                column=cmd.name,
            )
