"""Migration check ``scan-under-held-lock``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from advisor.lint.migration import locks
from advisor.lint.migration.check import (
    Issue,
    MigrationCheck,
    MigrationContext,
    cmds_of,
    same_table,
)
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


def _scan(node: ast.Node) -> str | None:
    """What whole-table work the statement does under a weak lock of its own, if any."""
    if cmds_of(node, AlterTableType.AT_ValidateConstraint):
        return "VALIDATE CONSTRAINT"
    if isinstance(node, ast.UpdateStmt) and node.whereClause is None:
        return "an UPDATE of every row"
    if isinstance(node, ast.DeleteStmt) and node.whereClause is None:
        return "a DELETE of every row"
    return None


class ScanUnderHeldLock(MigrationCheck):
    """A lock lasts until its transaction ends. ``VALIDATE CONSTRAINT`` only helps because it
    scans under a lock that lets reads and writes through; run it in the same transaction as
    the ``ADD CONSTRAINT ... NOT VALID`` (or any statement that locked the table strongly) and
    the scan runs under that earlier lock, which blocks writes (ACCESS EXCLUSIVE for a CHECK:
    reads too). The same holds for a backfill ``UPDATE`` after an ``ADD COLUMN``. Which
    statements share a transaction follows from ``BEGIN ... COMMIT`` in the file and from the
    tool that runs it (``--migration-format``): a plain psql file without ``BEGIN`` commits
    each statement, golang-migrate runs a whole file as one transaction. Put the validation
    (or the backfill) in a transaction of its own: after the COMMIT, or in the next migration.
    """

    id = "scan-under-held-lock"
    severity = Severity.WARNING
    fix = "None: COMMIT before the VALIDATE (or backfill), or move it to the next migration."
    scales_with_size = True
    squawk = ("constraint-missing-not-valid",)
    beyond_squawk = (
        "Knows the transactions each migration tool really uses, so NOT VALID and VALIDATE in "
        "one plain SQL file (each statement its own transaction) pass, while the same two lines "
        "under golang-migrate, Flyway, alembic or django are flagged; backfills count too."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        what = _scan(step.node)
        relation = locks.target(step.node)
        if what is None or relation is None or ctx.created_before(relation, step.index):
            return
        tx = ctx.tx
        held: list[tuple[str, Step]] = []
        for earlier in ctx.file.steps[: step.index]:
            mode = locks.lock_of(earlier.node)
            other = locks.target(earlier.node)
            if (
                tx.same(earlier.index, step.index)
                and locks.blocks_traffic(mode)
                and other is not None
                and same_table(other, relation)
            ):
                assert mode is not None
                held.append((mode, earlier))
        if not held:
            return
        mode, first = max(held, key=lambda h: locks.STRENGTH[h[0]])
        blocked = "reads and writes" if mode == locks.ACCESS_EXCLUSIVE else "writes"
        yield Issue(
            f"{what} runs while this transaction still holds the {mode} lock taken at line "
            f"{first.line}: the scan blocks {blocked} ({tx.explanation})",
            lock=mode,
        )
