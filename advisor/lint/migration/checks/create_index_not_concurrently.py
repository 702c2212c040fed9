"""Migration check ``create-index-not-concurrently``."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from pglast import ast

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, deparse
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class CreateIndexNotConcurrently(MigrationCheck):
    """``CREATE INDEX`` without ``CONCURRENTLY`` holds a SHARE lock on the table for the whole
    build: reads go on, but every INSERT, UPDATE and DELETE waits until the index is done,
    minutes to hours on a big table. ``CREATE INDEX CONCURRENTLY`` builds it while writes
    continue (it takes longer and cannot run inside a transaction block; if it fails it leaves
    an INVALID index to drop and retry). Indexes on tables created in the same migration are
    not flagged. A partitioned table refuses CONCURRENTLY: there ``CREATE INDEX ... ON ONLY``
    (a catalog entry, no build) is not flagged, and the way is ``ON ONLY`` the parent, each
    partition ``CONCURRENTLY``, then ``ALTER INDEX ... ATTACH PARTITION`` (what ``advisor
    analyze`` writes and ``advisor apply`` runs).
    """

    id = "create-index-not-concurrently"
    severity = Severity.WARNING
    fix = "The same statement with CONCURRENTLY, outside any transaction block."
    scales_with_size = True
    squawk = ("require-concurrent-index-creation",)
    beyond_squawk = (
        "With --dsn the severity follows the table's size (an error from max-blocking-size)."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        node = step.node
        if not isinstance(node, ast.IndexStmt) or node.concurrent:
            return
        if ctx.created_before(node.relation, step.index):
            return
        table = ctx.table(node.relation)
        kind = table.kind if table is not None else None
        if node.relation is not None and not node.relation.inh and kind != "r":
            return  # ON ONLY a partitioned table: builds nothing (ONLY means nothing elsewhere)
        name = f" {node.idxname}" if node.idxname else ""
        if kind == "p":
            yield Issue(
                f"builds index{name} on every partition at once without CONCURRENTLY, which a "
                "partitioned table refuses: build it ON ONLY the parent, then each partition "
                "CONCURRENTLY and ALTER INDEX ... ATTACH PARTITION",
                obj=node.idxname,
            )
            return
        fixed = copy.deepcopy(node)
        fixed.concurrent = True
        yield Issue(
            f"builds index{name} without CONCURRENTLY: writes to the table wait for the build",
            obj=node.idxname,
            fix_sql=deparse(fixed),
        )
