"""Migration check ``transaction-nesting``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class TransactionNesting(MigrationCheck):
    """PostgreSQL has one transaction per session and no nesting: a ``BEGIN`` inside an open
    transaction is ignored with a warning, and the ``COMMIT`` meant for it commits the outer
    transaction early, so what follows can no longer be rolled back with what came before. A
    ``COMMIT`` with nothing open only warns; a ``BEGIN`` that is never committed is rolled back
    when the session ends, silently undoing the migration. Tools that run a file in their own
    transaction (Flyway, alembic, django; see ``--migration-format``) make every ``BEGIN`` and
    ``COMMIT`` in the file such a mistake: leave the transaction to the tool, or turn it off
    for that file.
    """

    id = "transaction-nesting"
    severity = Severity.WARNING
    fix = "None: remove the BEGIN/COMMIT (let the tool own the transaction), or pair them up."
    squawk = ("transaction-nesting",)
    beyond_squawk = (
        "Reads the transaction each tool opens, and also catches a BEGIN that is never "
        "committed (squawk's ban-uncommitted-transaction) as an error."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        for problem in ctx.tx.problems:
            if problem.step == step.index:
                yield Issue(problem.detail, severity=Severity.ERROR if problem.fatal else None)
