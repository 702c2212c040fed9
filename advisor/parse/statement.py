"""From a workload statement to what we will plan, or the reason we will not.

The real PostgreSQL parser (pglast) decides what a statement is. Normalization artifacts are
repaired first (``repair``), columns and their roles come from ``predicates``. A statement
with ranges between parameters gets a wide reading too (``ranges``).
"""

from __future__ import annotations

from pglast import ast

from advisor.collect.catalog import Catalog
from advisor.model import ColumnUse, ParsedStatement, Role, Skipped, Statement
from advisor.parse import predicates, ranges, repair, syntax
from advisor.parse.syntax import Unparsable

NO_TABLE = "reads no user table"
_PLANNABLE = (ast.SelectStmt, ast.UpdateStmt, ast.DeleteStmt, ast.InsertStmt, ast.MergeStmt)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def analyse(statement: Statement, catalog: Catalog) -> ParsedStatement | Skipped:
    text = statement.query
    if not text.strip() or text.strip() == "<insufficient privilege>":
        return Skipped(statement, "query text not visible: grant pg_read_all_stats to the role")
    # libpg_query accepts some normalized forms (``date $1``) that the server rejects, so the
    # repairs run on every text, not only on the ones that fail to parse.
    fixed = repair.repair_text(text)
    text, notes = fixed.sql, fixed.notes
    try:
        parsed = syntax.parse(text)
    except Unparsable as exc:
        prefix = f"unparsable even after repair ({'; '.join(notes)})" if notes else "unparsable"
        return Skipped(statement, _first_line(f"{prefix}: {exc.reason}"))
    if len(parsed) != 1:
        return Skipped(statement, "several statements in one entry")
    node = parsed[0].stmt
    if not isinstance(node, _PLANNABLE):
        return Skipped(statement, f"utility statement ({type(node).__name__}): no plan to improve")
    if isinstance(node, ast.InsertStmt) and node.selectStmt is None:
        return Skipped(statement, "INSERT without a query: no index can make it faster")
    if (
        isinstance(node, ast.InsertStmt)
        and isinstance(node.selectStmt, ast.SelectStmt)
        and node.selectStmt.valuesLists
        and not node.selectStmt.fromClause
    ):
        return Skipped(statement, "INSERT ... VALUES: no index can make it faster")
    if isinstance(node, ast.SelectStmt) and node.intoClause is not None:
        return Skipped(statement, "SELECT INTO creates a table: not analysed")
    found = predicates.extract(node, catalog)
    case_notes = repair.type_case_results(node) + repair.unify_grouping(node)
    if found.unknown and not found.tables:
        names = ", ".join(sorted(found.unknown))
        return Skipped(statement, f"table not found (temporary, dropped or not visible): {names}")
    if found.unknown:
        names = ", ".join(sorted(found.unknown))
        return Skipped(statement, f"some tables not found (temporary or dropped): {names}")
    if not found.tables and found.system and not found.views:
        return Skipped(statement, "reads only system catalogs")
    if not found.tables and not found.views and not found.functions:
        return Skipped(statement, NO_TABLE)
    try:
        plan_sql = syntax.deparse(node) if found.modified or case_notes else text
    except Unparsable as exc:
        return Skipped(statement, exc.reason)
    param_count = predicates.max_param(node)
    return ParsedStatement(
        statement=statement,
        plan_sql=plan_sql,
        param_count=param_count,
        tables=tuple(sorted(found.tables)),
        views=tuple(sorted(found.views)),
        updated=tuple(dict.fromkeys(found.updated)),
        reads=tuple(
            (ref, None if cols is None else tuple(sorted(cols)))
            for ref, cols in sorted(found.reads.items())
        ),
        uses=tuple(dict.fromkeys(found.uses)),
        repairs=notes + tuple(dict.fromkeys(found.notes + list(case_notes))),
        has_limit=found.has_limit,
        writes=_writes(node),
        has_cte=bool(getattr(node, "withClause", None)),
        wide_sql=_wide(plan_sql, found.uses, catalog) if param_count else None,
    )


def _writes(node: ast.Node) -> bool:
    """Whether the statement writes or locks rows: not a SELECT, a data-modifying CTE, or a
    locking clause (FOR UPDATE / FOR SHARE)."""
    if not isinstance(node, ast.SelectStmt):
        return True
    if node.lockingClause:
        return True
    ctes = node.withClause.ctes if node.withClause else None
    return any(not isinstance(c.ctequery, ast.SelectStmt) for c in ctes or ())


WIDE_TABLE_SHARE = 0.1  # a range is widened on tables with this share of the largest's rows


def _wide(plan_sql: str, uses: list[ColumnUse], catalog: Catalog) -> str | None:
    """The statement's wide reading (``ranges``): its ranges between parameters on the columns
    of its large tables read one-sided."""
    tables = {u.table for u in uses}
    rows = {t: catalog.tables[t].reltuples for t in tables if t in catalog.tables}
    floor = WIDE_TABLE_SHARE * max(rows.values(), default=0)
    columns = {
        u.key.text
        for u in uses
        if u.role == Role.RANGE and not u.key.expression and rows.get(u.table, 0) >= floor
    }
    return ranges.widen(plan_sql, columns)
