"""Rule ``soft-delete-without-partial-index``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pglast import ast
from pglast.enums import NullTestType

from advisor.lint.catalog import LintCatalog
from advisor.lint.indexfix import create_index_fix, taken_names
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext
from advisor.lint.sqlexpr import parse_expression
from advisor.lint.workload import SOFT_DELETE_COLUMN
from advisor.model import ExistingIndex, IndexKey, IndexSpec, TableRef
from advisor.parse.predicates import walk
from advisor.report.fmt import plural

PREDICATE = "deleted_at IS NULL"


class SoftDeleteWithoutPartialIndex(Rule):
    """Soft-deleted rows stay in the table, and every query that reads live rows filters
    ``deleted_at IS NULL``. Without an index restricted to live rows, those queries scan or
    index through the dead ones as well, and the dead part only grows. The rule flags tables
    with a ``deleted_at`` column that the workload filters on ``deleted_at IS NULL`` while no
    index has that predicate. A partial index ``... WHERE deleted_at IS NULL`` on the columns
    the queries look up by is smaller than a full one and serves exactly those queries.
    """

    id = "soft-delete-without-partial-index"
    severity = Severity.WARNING
    fix = "CREATE INDEX CONCURRENTLY ... WHERE deleted_at IS NULL on the columns the queries use."
    needs_workload = True

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        taken = taken_names(ctx.catalog)
        for ref, uses in sorted(ctx.workload.soft_delete.items()):
            if any(_live_rows_only(i) for i in ctx.catalog.indexes_of(ref)):
                continue
            keys = _keys(ctx.catalog, ref, [c for use in uses for c in use.equality_columns])
            spec = IndexSpec(ref, tuple(IndexKey(k) for k in keys), where=PREDICATE)
            made = create_index_fix(ctx.catalog, spec, taken)
            yield self.finding(
                f"{PREDICATE}: filtered on by {plural(len(uses), 'statement')}, but no index "
                "has that predicate" + made.note,
                ref,
                column=SOFT_DELETE_COLUMN,
                fix=made.up,
                rollback=made.down,
                evidence=[u.statement.query for u in uses[:3]],
            )


def _live_rows_only(index: ExistingIndex) -> bool:
    node = parse_expression(index.predicate) if index.predicate else None
    if node is None or not index.is_valid:
        return False
    return any(
        isinstance(n, ast.NullTest)
        and n.nulltesttype == NullTestType.IS_NULL
        and isinstance(n.arg, ast.ColumnRef)
        and getattr((n.arg.fields or (None,))[-1], "sval", None) == SOFT_DELETE_COLUMN
        for n in walk(node)
    )


def _keys(catalog: LintCatalog, ref: TableRef, used: list[str]) -> tuple[str, ...]:
    """The column the queries compare most, else the primary key, else ``deleted_at``."""
    if used:
        return (Counter(used).most_common(1)[0][0],)
    pk = catalog.constraints_of(ref, "p")
    return pk[0].columns if pk else (SOFT_DELETE_COLUMN,)
