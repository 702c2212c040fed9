"""Migration check ``drop-column``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast.enums import AlterTableType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class DropColumn(MigrationCheck):
    """Dropping a column is not additive: during a deploy the old version of the application is
    still running, and its queries that name the column (or ``SELECT *`` into a fixed shape)
    fail the moment the migration commits. The data is gone too, so the migration cannot be
    rolled back. Stop using the column first (deploy code that neither reads nor writes it),
    then drop it in a later migration, ideally after a backup of its contents.
    """

    id = "drop-column"
    severity = Severity.ERROR
    fix = "None: deploy code that no longer uses the column first, drop it in a later release."
    squawk = ("ban-drop-column",)
    beyond_squawk = "Columns of a table created in the same migration are not flagged."

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = getattr(step.node, "relation", None)
        if ctx.created_before(relation, step.index):
            return
        for cmd in cmds_of(step.node, AlterTableType.AT_DropColumn):
            yield Issue(
                f"drops column {cmd.name}: running code that uses it fails, and its data is lost",
                column=cmd.name,
            )
