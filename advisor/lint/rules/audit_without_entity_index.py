"""Rule ``audit-without-entity-index``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.indexfix import create_index_fix, taken_names
from advisor.lint.model import LintFinding, Severity
from advisor.lint.naming import entity_columns, is_audit_table
from advisor.lint.rule import Rule, RuleContext
from advisor.model import IndexKey, IndexSpec


class AuditWithoutEntityIndex(Rule):
    """An audit trail is written constantly and read rarely, but when it is read the question is
    always "what happened to this record": ``WHERE entity_table = $1 AND entity_id = $2``. On
    an audit table, which grows without bound, that question without an index is a scan of the
    whole history, usually during an incident. The rule flags audit-like tables (named audit,
    history, log...; or with an ``action`` column) that have ``entity_table``/``entity_id``
    columns (or ``entity_type``, ``auditable_type``/``auditable_id``, ``record_id``) but no
    index led by that pair.
    """

    id = "audit-without-entity-index"
    severity = Severity.WARNING
    fix = "CREATE INDEX CONCURRENTLY on (entity_table, entity_id)."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        taken = taken_names(ctx.catalog)
        for table in ctx.catalog.tables.values():
            pair = entity_columns(table)
            if pair is None or not is_audit_table(table):
                continue
            if any(
                i.is_valid and i.predicate is None and set(i.keys[:2]) == set(pair)
                for i in ctx.catalog.indexes_of(table.ref)
            ):
                continue
            spec = IndexSpec(table.ref, tuple(IndexKey(c) for c in pair))
            made = create_index_fix(ctx.catalog, spec, taken)
            yield self.finding(
                f"audit-like table has no index on ({', '.join(pair)}){made.note}",
                table.ref,
                fix=made.up,
                rollback=made.down,
            )
