"""Migration check ``drop-constraint``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from advisor.lint.migration.check import (
    Issue,
    MigrationCheck,
    MigrationContext,
    cmds_of,
    same_table,
)
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class DropConstraint(MigrationCheck):
    """Dropping a constraint removes a rule the data was guaranteed to follow: once it is gone,
    rows that break it can be written, and putting it back later means validating the whole
    table (and cleaning up what slipped in). It also takes an ACCESS EXCLUSIVE lock. Re-creating
    a constraint under the same name in the same migration (to change its definition), or
    dropping one the same run of migrations added (a temporary CHECK), is not flagged.
    """

    id = "drop-constraint"
    severity = Severity.WARNING
    fix = "None: make sure no rule is lost; re-add the replacement NOT VALID and VALIDATE it."

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = ctx.existing(step)
        if relation is None:
            return
        # re-created under the same name (a changed definition), or added earlier in this file
        readded = {
            cmd.def_.conname
            for later in ctx.file.steps
            if isinstance(later.node, ast.AlterTableStmt)
            and isinstance(later.node.relation, ast.RangeVar)
            and same_table(later.node.relation, relation)
            for cmd in cmds_of(later.node, AlterTableType.AT_AddConstraint)
            if isinstance(cmd.def_, ast.Constraint)
        }
        where = (ctx.position, step.index)
        for cmd in cmds_of(step.node, AlterTableType.AT_DropConstraint):
            if cmd.name in readded or ctx.inventory.constraint_added(
                relation, cmd.name or "", where
            ):
                continue
            yield Issue(
                f"drops constraint {cmd.name}: the rule it enforced no longer holds",
                obj=cmd.name,
            )
