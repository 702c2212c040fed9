"""Migration check ``add-check-validates``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ConstrType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.checks.add_foreign_key_validates import (
    added_constraints,
    not_valid_then_validate,
)
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class AddCheckValidates(MigrationCheck):
    """Adding a CHECK constraint scans the whole table to prove every row passes, under an
    ACCESS EXCLUSIVE lock: nothing can read or write the table until the scan ends. Add it
    ``NOT VALID`` (instant; new and updated rows are checked from then on) and run
    ``VALIDATE CONSTRAINT`` separately, which scans under a lock that lets traffic through.
    """

    id = "add-check-validates"
    severity = Severity.WARNING
    fix = "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT."
    scales_with_size = True

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = getattr(step.node, "relation", None)
        if ctx.created_before(relation, step.index) or not isinstance(relation, ast.RangeVar):
            return
        for con in added_constraints(step.node, ConstrType.CONSTR_CHECK):
            if con.skip_validation:
                continue
            name = con.conname or f"{relation.relname}_check"
            yield Issue(
                f"adds CHECK constraint {name} and validates it under an ACCESS EXCLUSIVE lock",
                obj=name,
                fix_sql=not_valid_then_validate(relation, con, name),
            )
