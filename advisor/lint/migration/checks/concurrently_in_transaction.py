"""Migration check ``concurrently-in-transaction``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


def _concurrent_what(node: ast.Node) -> str | None:
    if isinstance(node, ast.IndexStmt) and node.concurrent:
        return "CREATE INDEX CONCURRENTLY"
    if isinstance(node, ast.DropStmt) and node.concurrent:
        return "DROP INDEX CONCURRENTLY"
    if isinstance(node, ast.ReindexStmt) and any(
        getattr(p, "defname", None) == "concurrently" for p in node.params or ()
    ):
        return "REINDEX CONCURRENTLY"
    if any(
        getattr(c.def_, "concurrent", False)
        for c in cmds_of(node, AlterTableType.AT_DetachPartition)
    ):
        return "DETACH PARTITION CONCURRENTLY"
    return None


class ConcurrentlyInTransaction(MigrationCheck):
    """``CREATE INDEX CONCURRENTLY``, ``DROP INDEX CONCURRENTLY``, ``REINDEX CONCURRENTLY`` and
    ``DETACH PARTITION CONCURRENTLY`` cannot run inside a transaction block: PostgreSQL refuses
    them with an error, so a migration that wraps them in ``BEGIN ... COMMIT`` fails (and so
    does one whose migration tool wraps each file in a transaction: turn that off for this
    file). Run them as statements of their own, outside any transaction block.
    """

    id = "concurrently-in-transaction"
    severity = Severity.ERROR
    fix = "None: move the statement out of BEGIN ... COMMIT (into its own migration file)."

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        what = _concurrent_what(step.node)
        if what is not None and step.in_transaction:
            yield Issue(f"{what} inside a transaction block fails: run it on its own")
