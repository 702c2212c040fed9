"""Rule ``insert-omits-not-null``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext


class InsertOmitsNotNull(Rule):
    """A column that is NOT NULL and has no default must be set by every INSERT. When the
    workload contains INSERT statements that leave the column out, they fail from the moment
    the constraint exists: typically a migration added the column (or ``SET NOT NULL``) before
    every writer was deployed to fill it. The rule compares the INSERTs recorded by
    pg_stat_statements with the columns they set (statements recorded before the change count
    until the statistics are reset). Give the column a default, make it nullable
    until all writers set it, or fix the writers. Tables with a BEFORE INSERT row trigger are
    skipped, since the trigger may fill the column.
    """

    id = "insert-omits-not-null"
    severity = Severity.ERROR
    fix = (
        "None as SQL: add a DEFAULT, relax the constraint until the writers are deployed, or "
        "set the column in the INSERTs."
    )
    needs_workload = True

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for ref, inserts in sorted(ctx.workload.inserts.items()):
            table = ctx.catalog.tables.get(ref)
            if table is None or table.before_insert_row_trigger:
                continue
            for col in table.columns:
                if not col.not_null or col.has_default:
                    continue
                omitting = [
                    i for i in inserts if i.columns is not None and col.name not in i.columns
                ]
                if not omitting:
                    continue
                yield self.finding(
                    f"NOT NULL column without default is left out by {len(omitting)} INSERT "
                    "statement(s) of the workload",
                    ref,
                    column=col.name,
                    evidence=[i.statement.query for i in omitting[:3]],
                )
