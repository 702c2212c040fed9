"""Rule ``large-append-only-unpartitioned``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext
from advisor.render.text import size


class LargeAppendOnlyUnpartitioned(Rule):
    """A large table that only ever receives INSERTs (events, ledger lines, audit trails,
    metrics) keeps its whole history in one heap and one set of indexes: vacuum and index
    maintenance get slower every month, and removing old data is a huge DELETE that bloats the
    table instead of a ``DROP`` of an old partition. The rule flags ordinary tables bigger than
    ``partition-threshold`` (10 GB) whose statistics show inserts but almost no updates or
    deletes (at most ``append-only-ratio``, 1 %, of the inserts). Partition them by time
    (``PARTITION BY RANGE (created_at)``) so old data can be detached and dropped.
    """

    id = "large-append-only-unpartitioned"
    severity = Severity.INFO
    fix = (
        "None as one statement: create a partitioned table, attach or copy the data in batches, "
        "swap names in a short transaction."
    )

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            if table.kind != "r" or table.size_bytes < ctx.config.partition_threshold_bytes:
                continue
            if table.n_tup_ins == 0:
                continue
            changed = table.n_tup_upd + table.n_tup_del
            if changed > ctx.config.append_only_ratio * table.n_tup_ins:
                continue
            yield self.finding(
                f"{size(table.size_bytes)} table is append-only ({table.n_tup_ins:,} inserts, "
                f"{changed:,} updates and deletes) and not partitioned",
                table.ref,
            )
