"""Rule ``index-review``: the index review's verdict, as lint findings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext

KINDS = ("invalid", "duplicate", "redundant", "unused")


class IndexReview(Rule):
    """An index that is invalid, a duplicate of another, redundant with a wider one, or never
    scanned costs every write, disk and cache, and returns nothing. The verdict is the index
    review's, the same that ``advisor analyze``, ``advisor table`` and ``advisor report`` give:
    structure compared the way PostgreSQL stores it, nothing called unused on statistics younger
    than ``--min-stats-age`` (default 7 days), and no index proposed for dropping that enforces
    a constraint, is the replica identity or the only one a foreign key can use. Lint does not
    plan the workload, so run ``advisor analyze`` to see whether a plan still reads it.
    """

    id = "index-review"
    severity = Severity.WARNING
    fix = (
        "DROP INDEX CONCURRENTLY IF EXISTS, with the index's own definition (CREATE INDEX "
        "CONCURRENTLY IF NOT EXISTS) as the way back; none when something needs the index."
    )

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for f in ctx.catalog.index_verdict:
            if f.kind not in KINDS or f.index is None:
                continue
            finding = self.finding(
                f"{f.kind}: {f.detail}",
                f.table,
                obj=f.index,
                severity=Severity.ERROR if f.kind == "invalid" else None,
            )
            if f.drop_sql and f.restore_sql:
                finding = replace(
                    finding, fix_sql=f"{f.drop_sql};", rollback_sql=f"{f.restore_sql};"
                )
            yield finding
