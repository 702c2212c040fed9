"""Migration check ``rename``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ObjectType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity

_KINDS = {
    ObjectType.OBJECT_TABLE: "table",
    ObjectType.OBJECT_COLUMN: "column",
    ObjectType.OBJECT_VIEW: "view",
    ObjectType.OBJECT_MATVIEW: "materialized view",
}


def _view_dropped_first(step: Step, ctx: MigrationContext) -> bool:
    """Was a view of the new name dropped earlier in the same transaction? Then the application
    already uses the new name, through the view, and the rename only puts the table behind it."""
    assert isinstance(step.node, ast.RenameStmt)
    for earlier in ctx.file.steps[: step.index]:
        node = earlier.node
        if (
            isinstance(node, ast.DropStmt)
            and node.removeType == ObjectType.OBJECT_VIEW
            and ctx.tx.same(earlier.index, step.index)
            and any(
                getattr((o or (None,))[-1], "sval", None) == step.node.newname
                for o in node.objects or ()
            )
        ):
            return True
    return False


class Rename(MigrationCheck):
    """Renaming a table or column is not additive: the application version still running during
    the deploy uses the old name and fails as soon as the rename commits. Do it in steps: add
    the new column (or a view with the new name), write both, move the readers, then drop the
    old one in a later release. For a table, once the application reads and writes through a
    view with the new name (a simple view is updatable), ``DROP VIEW new`` and ``ALTER TABLE
    old RENAME TO new`` in one transaction is a rename nobody notices, and is not flagged.
    """

    id = "rename"
    severity = Severity.ERROR
    fix = "None: expand and contract: add the new name, migrate readers and writers, drop later."
    squawk = ("renaming-column", "renaming-table")
    beyond_squawk = (
        "Knows the documented way round for tables: once a view with the new name has served "
        "the application, dropping it and renaming the table in one transaction is not flagged."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        node = step.node
        if not isinstance(node, ast.RenameStmt) or node.renameType not in _KINDS:
            return
        if ctx.created_before(node.relation, step.index):
            return
        kind = _KINDS[node.renameType]
        if node.renameType == ObjectType.OBJECT_TABLE and _view_dropped_first(step, ctx):
            return
        if node.renameType == ObjectType.OBJECT_COLUMN:
            yield Issue(
                f"renames column {node.subname} to {node.newname}: running code that uses the "
                "old name fails",
                column=node.subname,
            )
        else:
            old = node.relation.relname if node.relation is not None else "?"
            yield Issue(
                f"renames {kind} {old} to {node.newname}: running code that uses the old name fails"
            )
