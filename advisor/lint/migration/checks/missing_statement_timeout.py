"""Migration check ``missing-statement-timeout``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from advisor.lint.migration import locks
from advisor.lint.migration.check import (
    Issue,
    MigrationCheck,
    MigrationContext,
    alter,
    alter_cmds,
    cmds_of,
)
from advisor.lint.migration.checks._columns import volatile_call
from advisor.lint.migration.checks.missing_lock_timeout import first_unguarded, needs_timeout
from advisor.lint.migration.checks.set_not_null_scan import proven_not_null
from advisor.lint.migration.checks.type_change_rewrite import judge
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


def _cheap(
    cmd: ast.AlterTableCmd, step: Step, ctx: MigrationContext, relation: ast.RangeVar
) -> bool:
    """Is this subcommand spared its scan: a SET NOT NULL a validated CHECK proves, a type
    change that does not rewrite?"""
    if cmd.subtype == AlterTableType.AT_SetNotNull:
        return proven_not_null(step, ctx, relation, cmd.name or "")
    if cmd.subtype == AlterTableType.AT_AlterColumnType:
        return judge(step, ctx, relation, cmd) is None
    return not locks.scans_or_rewrites(alter(relation, cmd))


def _volatile_column(step: Step, ctx: MigrationContext) -> bool:
    return any(
        isinstance(c.def_, ast.ColumnDef) and volatile_call(c.def_, ctx.volatility)
        for c in cmds_of(step.node, AlterTableType.AT_AddColumn)
    )


def _long_and_blocking(step: Step, ctx: MigrationContext) -> bool:
    if not needs_timeout(step, ctx):
        return False
    relation = locks.target(step.node)
    cmds = alter_cmds(step.node)
    if cmds and relation is not None:
        return _volatile_column(step, ctx) or not all(_cheap(c, step, ctx, relation) for c in cmds)
    return locks.scans_or_rewrites(step.node)


class MissingStatementTimeout(MigrationCheck):
    """A statement that scans or rewrites a table while holding a lock that blocks writes
    (a validating ``ADD CONSTRAINT``, ``SET NOT NULL``, a type change, a plain ``CREATE
    INDEX``...) blocks the application for as long as the table takes to read; on a table
    bigger than expected that is minutes. ``SET statement_timeout`` before it bounds the
    outage: the statement is cancelled, the lock released, and the migration can be redone the
    safe way. The rule reports the first such statement on an existing table with no
    ``statement_timeout`` set earlier in the file. It does not ask for one before
    ``CONCURRENTLY`` builds, which should be allowed to run long.
    """

    id = "missing-statement-timeout"
    severity = Severity.INFO
    fix = "SET statement_timeout = '10s' before it (sized to the outage you can afford)."
    squawk = ("require-timeout-settings",)
    beyond_squawk = (
        "Asks for statement_timeout only where a statement blocks writes for work that grows "
        "with the table, not before CONCURRENTLY builds that a timeout would kill."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        if not first_unguarded(step, ctx, "statement_timeout", _long_and_blocking):
            return
        yield Issue(
            f"holds {locks.lock_of(step.node)} while it reads the whole table, with no "
            "statement_timeout to bound it",
            fix_sql="SET statement_timeout = '10s';",
        )
