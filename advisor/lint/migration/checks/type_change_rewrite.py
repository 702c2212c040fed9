"""Migration check ``type-change-rewrite``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.source import Step
from advisor.lint.migration.typechange import column_type, rewrites, written_type
from advisor.lint.model import Severity


class TypeChangeRewrite(MigrationCheck):
    """``ALTER COLUMN ... TYPE`` rewrites the whole table and rebuilds its indexes under an
    ACCESS EXCLUSIVE lock, blocking reads and writes for as long as that takes, unless the new
    type is binary-compatible with the old one (widening ``varchar``, ``varchar`` to ``text``,
    more precision for a ``numeric`` at the same scale). Without a DSN the old type is unknown
    and every type change is flagged; with one, safe changes pass. For a real conversion add a
    new column, backfill it in batches, switch the application, and drop the old column later.
    """

    id = "type-change-rewrite"
    severity = Severity.WARNING
    fix = "None: add a column of the new type, backfill in batches, switch readers, drop later."
    scales_with_size = True

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = getattr(step.node, "relation", None)
        if ctx.created_before(relation, step.index):
            return
        table = ctx.table(relation)
        for cmd in cmds_of(step.node, AlterTableType.AT_AlterColumnType):
            definition = cmd.def_
            if not isinstance(definition, ast.ColumnDef) or definition.typeName is None:
                continue
            new = written_type(definition.typeName)
            col = table.column(cmd.name) if table is not None and cmd.name else None
            if col is None:
                yield Issue(
                    f"changes the type of {cmd.name} to {new[0]}: rewrites the table and its "
                    "indexes unless the change is binary-compatible",
                    column=cmd.name,
                )
                continue
            verdict = (
                True if definition.raw_default is not None else rewrites(column_type(col), new)
            )
            if verdict is False:
                continue
            why = (
                "without a rewrite only when the session TimeZone is UTC"
                if verdict is None
                else "rewrites the table and its indexes"
            )
            yield Issue(f"changes {cmd.name} from {col.type} to {new[0]}: {why}", column=cmd.name)
