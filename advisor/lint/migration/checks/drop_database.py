"""Migration check ``drop-database``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class DropDatabase(MigrationCheck):
    """``DROP DATABASE`` in a migration deletes every table, row and role grant of that
    database at once, and cannot run inside a transaction, so nothing rolls it back. A schema
    migration has no business doing it: a database that must go is dropped by hand, after a
    backup, by someone who checked which database the connection points at.
    """

    id = "drop-database"
    severity = Severity.ERROR
    fix = "None: remove it from the migration; drop databases by hand, after a backup."
    squawk = ("ban-drop-database",)
    beyond_squawk = "Names the database in the finding."

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        if isinstance(step.node, ast.DropdbStmt):
            yield Issue(
                f"drops database {step.node.dbname}: every table and row in it is gone",
                obj=step.node.dbname,
            )
