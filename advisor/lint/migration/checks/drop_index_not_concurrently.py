"""Migration check ``drop-index-not-concurrently``."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from pglast import ast
from pglast.enums import DropBehavior, ObjectType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, deparse
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


def _created_in_file(ctx: MigrationContext, step: Step, name: str) -> bool:
    return any(
        isinstance(s.node, ast.IndexStmt) and s.node.idxname == name
        for s in ctx.file.steps[: step.index]
    )


class DropIndexNotConcurrently(MigrationCheck):
    """``DROP INDEX`` takes an ACCESS EXCLUSIVE lock on the index's table: the drop itself is
    quick, but it waits behind every running query on the table, and every query that arrives
    meanwhile waits behind it. ``DROP INDEX CONCURRENTLY`` waits for those queries without
    blocking new ones. It drops one index per statement, refuses ``CASCADE`` and a transaction
    block, and does not work on the index of a partitioned table (with ``--dsn`` the check
    knows, and that finding is a note). Indexes created earlier in the same file are not
    flagged.
    """

    id = "drop-index-not-concurrently"
    severity = Severity.WARNING
    fix = "DROP INDEX CONCURRENTLY, one statement per index, outside any transaction block."
    squawk = ("require-concurrent-index-deletion",)
    beyond_squawk = (
        "Knows the index's table from the live catalog (its size and lock in the finding), and "
        "that partitioned indexes and CASCADE cannot be dropped concurrently."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        node = step.node
        if (
            not isinstance(node, ast.DropStmt)
            or node.removeType != ObjectType.OBJECT_INDEX
            or node.concurrent
        ):
            return
        for obj in node.objects or ():
            parts = [getattr(n, "sval", None) for n in obj]
            name = parts[-1] or ""
            if _created_in_file(ctx, step, name):
                continue
            table = ctx.index_table(parts[-2] if len(parts) > 1 else None, name)
            if table is not None and table.kind == "p":
                yield Issue(
                    f"drops index {name} of a partitioned table, which has no concurrent drop: "
                    "it waits for, and blocks, every query on the table",
                    obj=name,
                    severity=Severity.INFO,
                )
                continue
            if node.behavior == DropBehavior.DROP_CASCADE:
                yield Issue(
                    f"drops index {name} with CASCADE under an ACCESS EXCLUSIVE lock; "
                    "CONCURRENTLY refuses CASCADE: drop what depends on it first",
                    obj=name,
                )
                continue
            single = copy.deepcopy(node)
            single.objects = (obj,)
            single.concurrent = True
            yield Issue(
                f"drops index {name} without CONCURRENTLY: queries on its table queue behind "
                "the ACCESS EXCLUSIVE lock",
                obj=name,
                fix_sql=deparse(single),
            )
