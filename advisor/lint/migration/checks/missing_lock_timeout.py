"""Migration check ``missing-lock-timeout``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pglast import ast
from pglast.enums import VariableSetKind

from advisor.lint.migration import locks
from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


def sets_timeout(node: ast.Node, name: str) -> bool | None:
    """True: sets a non-zero ``name`` (a timeout); False: resets or disables it; None: another
    statement."""
    if not isinstance(node, ast.VariableSetStmt) or node.name != name:
        return None
    if node.kind != VariableSetKind.VAR_SET_VALUE:
        return False
    values = [
        a.val.ival if isinstance(a.val, ast.Integer) else getattr(a.val, "sval", None)
        for a in node.args or ()
        if isinstance(a, ast.A_Const)
    ]
    return bool(values) and str(values[0] or 0).strip() not in ("0", "0s", "0ms", "")


def needs_timeout(step: Step, ctx: MigrationContext) -> bool:
    """Does the statement take a lock that blocks traffic on a table that exists already?"""
    relation = locks.target(step.node)
    return locks.blocks_traffic(locks.lock_of(step.node)) and not ctx.created_before(
        relation, step.index
    )


def _guarded(step: Step, ctx: MigrationContext, setting: str) -> bool:
    """Is a non-zero ``setting`` in force when ``step`` runs? ``SET LOCAL`` lasts until the end
    of its transaction, and does nothing outside one."""
    protected = False
    for earlier in ctx.file.steps[: step.index]:
        verdict = sets_timeout(earlier.node, setting)
        if verdict is None:
            continue
        local = isinstance(earlier.node, ast.VariableSetStmt) and earlier.node.is_local
        if local and not ctx.tx.same(earlier.index, step.index):
            continue
        protected = verdict
    return protected


def first_unguarded(
    step: Step, ctx: MigrationContext, setting: str, needs: Callable[[Step, MigrationContext], bool]
) -> bool:
    """Is ``step`` the first statement of the file that ``needs`` the timeout ``setting`` with
    none in force? Later ones would repeat the finding."""
    if not needs(step, ctx) or _guarded(step, ctx, setting):
        return False
    return not any(
        needs(earlier, ctx) and not _guarded(earlier, ctx, setting)
        for earlier in ctx.file.steps[: step.index]
    )


class MissingLockTimeout(MigrationCheck):
    """A schema change waits for its lock behind every running transaction on the table, and
    while it waits, every new query on that table queues behind it: one long report query turns
    a millisecond ``ALTER TABLE`` into an outage. ``SET lock_timeout`` (a few seconds) before
    the first statement that takes a strong lock makes the migration give up instead, to be
    retried later. The rule reports the first statement that takes a lock blocking reads or
    writes on an existing table with no ``lock_timeout`` in force: set earlier in the file,
    not reset since, and for ``SET LOCAL`` in the same transaction (outside one it does
    nothing).
    """

    id = "missing-lock-timeout"
    severity = Severity.WARNING
    fix = "SET lock_timeout = '2s' at the top of the migration (and retry when it times out)."
    squawk = ("require-timeout-settings",)
    beyond_squawk = (
        "Asks for it only before a statement that takes a lock blocking reads or writes on a "
        "table that already exists, and sees a RESET or a zero that undoes it, and a SET LOCAL "
        "that ended with its transaction."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        if not first_unguarded(step, ctx, "lock_timeout", needs_timeout):
            return
        mode = locks.lock_of(step.node)
        yield Issue(
            f"takes {mode} without a lock_timeout: queries queue behind it while it waits",
            fix_sql="SET lock_timeout = '2s';",
        )
