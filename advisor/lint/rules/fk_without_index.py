"""Rule ``fk-without-index``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.fk_index import covering_index
from advisor.lint.indexfix import create_index_fix, taken_names
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext
from advisor.model import IndexKey, IndexSpec


class FkWithoutIndex(Rule):
    """PostgreSQL indexes the referenced side of a foreign key (it must be unique) but not the
    referencing side. Every DELETE of a parent row, and every update of its key, then looks for
    children with a sequential scan of the child table while holding locks, and joins from
    parent to children have nothing to use. Give each foreign key an index whose leading
    columns are the referencing columns, built ``CONCURRENTLY`` so writes go on meanwhile.
    """

    id = "fk-without-index"
    severity = Severity.WARNING
    fix = "CREATE INDEX CONCURRENTLY on the referencing columns."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        taken = taken_names(ctx.catalog)
        for con in ctx.catalog.constraints:
            if con.type != "f":
                continue
            if covering_index(con.columns, ctx.catalog.indexes_of(con.table)) is not None:
                continue
            spec = IndexSpec(con.table, tuple(IndexKey(c) for c in con.columns))
            made = create_index_fix(ctx.catalog, spec, taken)
            yield self.finding(
                f"foreign key {con.name} ({', '.join(con.columns)}) has no index on the "
                f"referencing columns{made.note}",
                con.table,
                column=con.columns[0] if len(con.columns) == 1 else None,
                obj=con.name,
                fix=made.up,
                rollback=made.down,
                evidence=[con.definition],
            )
