"""Migration check ``concurrently-in-transaction``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.source import Step
from advisor.lint.migration.transactions import flyway_runs_alone, kind, refused_in_transaction
from advisor.lint.model import Severity


class ConcurrentlyInTransaction(MigrationCheck):
    """``CREATE INDEX CONCURRENTLY``, ``DROP INDEX CONCURRENTLY``, ``REINDEX CONCURRENTLY``,
    ``DETACH PARTITION CONCURRENTLY`` (and ``VACUUM``, ``CREATE DATABASE``, ``ALTER SYSTEM``)
    cannot run inside a transaction block: PostgreSQL refuses them, and the migration fails. The
    check knows where the transactions of the file are, from the ``BEGIN ... COMMIT`` written in
    it and from the tool that runs it (``--migration-format``): golang-migrate sends a file of
    several statements as one implicit transaction, Flyway wraps a file unless it spots such a
    statement (it does not spot ``REINDEX ... CONCURRENTLY`` or ``DETACH ... CONCURRENTLY``, and
    it refuses a file that mixes them with other statements unless ``mixed`` is set), alembic
    and django run the SQL in the migration's transaction. Give such a statement a migration
    file of its own, run outside any transaction.
    """

    id = "concurrently-in-transaction"
    severity = Severity.ERROR
    fix = "None: move the statement into a migration file of its own, run without a transaction."
    squawk = ("ban-concurrent-index-creation-in-transaction",)
    beyond_squawk = (
        "Knows the transaction each tool puts around a file (golang-migrate's implicit "
        "transaction, Flyway's detection and script configuration, alembic and django), and "
        "covers every statement PostgreSQL refuses in a transaction block, not only CREATE "
        "INDEX."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        what = refused_in_transaction(step.node, ctx.pg_version)
        if what is None:
            return
        tx = ctx.tx
        if tx.of(step.index) is not None:
            how = "inside BEGIN ... COMMIT" if step.in_transaction else f"here ({tx.explanation})"
            yield Issue(f"{what} fails {how}: PostgreSQL refuses it in a transaction block")
        elif (
            ctx.migration_format == "flyway" and not tx.configured and flyway_runs_alone(step.node)
        ):
            others = [s for s in ctx.file.steps if s.index != step.index and kind(s.node) is None]
            if any(not flyway_runs_alone(s.node) for s in others):
                yield Issue(
                    f"Flyway refuses a migration that mixes {what} with statements that run in "
                    "a transaction (unless flyway.mixed is set, and then nothing here runs in "
                    "one): give it a file of its own",
                    severity=Severity.WARNING,
                )
