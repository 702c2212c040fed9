"""Migration check ``drop-table``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ObjectType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class DropTable(MigrationCheck):
    """Dropping a table is not additive and not reversible: code still deployed that reads or
    writes it fails at once, and the rows are gone. Make the application stop using the table
    first, keep it (or a copy) for a release, and drop it in a later migration.
    """

    id = "drop-table"
    severity = Severity.ERROR
    fix = "None: stop using the table in a release first, then drop it (after a backup)."
    squawk = ("ban-drop-table",)
    beyond_squawk = "A table created earlier in the same migration is not flagged."

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        node = step.node
        if not isinstance(node, ast.DropStmt) or node.removeType != ObjectType.OBJECT_TABLE:
            return
        for names in node.objects or ():
            parts = [getattr(n, "sval", "") for n in names]
            relation = ast.RangeVar(
                schemaname=parts[-2] if len(parts) > 1 else None, relname=parts[-1]
            )
            if ctx.created_before(relation, step.index):
                continue
            yield Issue(
                f"drops table {'.'.join(parts)}: running code that uses it fails, its rows are "
                "lost",
                relation=relation,
            )
