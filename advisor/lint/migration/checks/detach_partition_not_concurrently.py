"""Migration check ``detach-partition-not-concurrently``."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from advisor.lint.migration.check import (
    Issue,
    MigrationCheck,
    MigrationContext,
    alter,
    cmds_of,
    deparse,
)
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity

SINCE = 14


class DetachPartitionNotConcurrently(MigrationCheck):
    """``ALTER TABLE ... DETACH PARTITION`` takes an ACCESS EXCLUSIVE lock on the partitioned
    table: every query on any partition waits, and queues behind it while it waits for its
    lock. Since PostgreSQL 14, ``DETACH PARTITION ... CONCURRENTLY`` only takes a SHARE UPDATE
    EXCLUSIVE lock on the parent; it cannot run in a transaction block, and PostgreSQL refuses
    it while the parent has a DEFAULT partition. The check knows the server's version (from
    ``--dsn``, or ``--pg-version``) and, with ``--dsn``, whether there is a default partition;
    where ``CONCURRENTLY`` is impossible the finding is a note (keep ``lock_timeout`` short).
    """

    id = "detach-partition-not-concurrently"
    severity = Severity.WARNING
    fix = "DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+), outside any transaction block."
    squawk = ("require-concurrent-partition-detach",)
    beyond_squawk = (
        "Knows the version (CONCURRENTLY needs 14) and, with --dsn, the DEFAULT partition that "
        "makes PostgreSQL refuse it, and says so instead of suggesting a fix that fails."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = ctx.existing(step)
        if relation is None:
            return
        table = ctx.table(relation)
        for cmd in cmds_of(step.node, AlterTableType.AT_DetachPartition):
            part = cmd.def_
            if not isinstance(part, ast.PartitionCmd) or part.concurrent:
                continue
            name = part.name.relname if part.name is not None else "?"
            if ctx.version_at_least(SINCE) is False:
                yield Issue(
                    f"detaches {name} under an ACCESS EXCLUSIVE lock; PostgreSQL "
                    f"{ctx.pg_version} has no CONCURRENTLY form (14+): keep lock_timeout short",
                    obj=name,
                    severity=Severity.INFO,
                )
                continue
            if table is not None and table.has_default_partition:
                yield Issue(
                    f"detaches {name} under an ACCESS EXCLUSIVE lock; CONCURRENTLY is refused "
                    "while the table has a DEFAULT partition",
                    obj=name,
                    severity=Severity.INFO,
                )
                continue
            fixed = copy.deepcopy(cmd)
            assert isinstance(fixed.def_, ast.PartitionCmd)
            fixed.def_.concurrent = True
            yield Issue(
                f"detaches {name} without CONCURRENTLY: every query on the partitioned table waits",
                obj=name,
                fix_sql=deparse(alter(relation, fixed)),
            )
