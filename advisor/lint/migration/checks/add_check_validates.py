"""Migration check ``add-check-validates``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast.enums import ConstrType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.checks.add_foreign_key_validates import (
    add_column_fix,
    added_columns_with,
    added_constraints,
)
from advisor.lint.migration.safe_steps import check_name, validate_later
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class AddCheckValidates(MigrationCheck):
    """Adding a CHECK constraint scans the whole table to prove every row passes, under an
    ACCESS EXCLUSIVE lock: nothing can read or write the table until the scan ends. A CHECK
    written on a column that ``ADD COLUMN`` adds is scanned the same way. Add it ``NOT VALID``
    (instant; new and updated rows are checked from then on) and run ``VALIDATE CONSTRAINT``
    separately, in a transaction of its own, which scans under a lock that lets traffic
    through. Constraints on tables created in the same migration are not flagged.
    """

    id = "add-check-validates"
    severity = Severity.WARNING
    fix = "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT."
    scales_with_size = True
    squawk = ("constraint-missing-not-valid",)
    beyond_squawk = (
        "Only constraints that can be NOT VALID are asked to be (squawk also flags UNIQUE "
        "and PRIMARY KEY, which cannot); a VALIDATE in the same transaction is caught by "
        "scan-under-held-lock, by the transactions the migration tool really uses."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = ctx.existing(step)
        if relation is None:
            return
        for con in added_constraints(step.node, ConstrType.CONSTR_CHECK):
            if con.skip_validation:
                continue
            name = con.conname or check_name(relation.relname or "", con.raw_expr)
            yield Issue(
                f"adds CHECK constraint {name} and validates it under an ACCESS EXCLUSIVE lock",
                obj=name,
                fix_sql="\n".join(validate_later(relation, con, name)),
            )
        for col in added_columns_with(step.node, ConstrType.CONSTR_CHECK):
            yield Issue(
                f"adds column {col.colname} with a CHECK: validates it under an ACCESS "
                "EXCLUSIVE lock",
                column=col.colname,
                fix_sql=add_column_fix(relation, col, ctx),
            )
