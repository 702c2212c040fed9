"""Rule ``rls-per-row-function``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.catalog import LintCatalog, PolicyInfo
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext
from advisor.lint.sqlexpr import Call, calls_per_row, func_name, parse_expression, wrap_calls
from advisor.parse.predicates import walk


class RlsPerRowFunction(Rule):
    """A policy predicate is evaluated for every row a query touches. A function call in it that
    does not depend on the row, such as ``auth.uid()`` or ``current_setting('app.tenant')``, is
    still called once per row unless it is wrapped in a scalar subquery: ``(SELECT auth.uid())``
    is computed once per statement (an InitPlan) and compared like a constant, which also lets
    an index on the column be used. The rule flags calls of non-immutable functions in USING
    and WITH CHECK expressions outside a subquery; for calls that do not depend on the row the
    fix wraps them. Calls that take a column of the row (``is_member(team_id)``) are flagged
    too, when the function is not built in: rewrite them as a join or ``IN (SELECT ...)``.
    """

    id = "rls-per-row-function"
    severity = Severity.WARNING
    fix = "ALTER POLICY with the row-independent calls wrapped as (SELECT f(...))."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for policy in ctx.catalog.policies:
            exprs = {"USING": policy.using_sql, "WITH CHECK": policy.check_sql}
            independent: list[str] = []
            per_row: list[str] = []
            for text in exprs.values():
                node = parse_expression(text) if text else None
                if node is None:
                    continue
                for call in calls_per_row(node):
                    if not _costly(ctx.catalog, call):
                        continue
                    if call.row_independent:
                        independent.append(call.name)
                    elif not _builtin(ctx.catalog, call.name):
                        per_row.append(call.name)
            if not independent and not per_row:
                continue
            fix = _fix(ctx.catalog, policy) if independent else None
            parts = []
            if independent:
                names = ", ".join(f"{n}()" for n in dict.fromkeys(independent))
                parts.append(f"{names} called per row: wrap as (SELECT ...)")
            if per_row:
                names = ", ".join(f"{n}(...)" for n in dict.fromkeys(per_row))
                parts.append(f"{names} called per row with row values: rewrite as a join")
            yield self.finding(
                f"policy {policy.name}: " + "; ".join(parts),
                policy.table,
                obj=policy.name,
                fix=fix,
                rollback=_rollback(policy, fix),
                evidence=[f"{k} ({v})" for k, v in exprs.items() if v],
            )


def _volatility(catalog: LintCatalog, name: str) -> str:
    found = catalog.function_volatility
    return found.get(name) or found.get(name.rpartition(".")[2], "v")


def _builtin(catalog: LintCatalog, name: str) -> bool:
    return "." not in name and f"pg_catalog.{name}" in catalog.function_volatility


def _costly(catalog: LintCatalog, call: Call) -> bool:
    """A call (or one nested in its arguments) of a function that is not immutable."""
    return any(
        _volatility(catalog, func_name(n)) != "i"
        for n in walk(call.node)
        if isinstance(n, ast.FuncCall)
    )


def _fix(catalog: LintCatalog, policy: PolicyInfo) -> list[sql.Composable] | None:
    def choose(call: Call) -> bool:
        return _costly(catalog, call)

    using = wrap_calls(policy.using_sql, choose) if policy.using_sql else None
    check = wrap_calls(policy.check_sql, choose) if policy.check_sql else None
    if using is None and check is None:
        return None
    return _alter_policy(policy, using, check)


def _rollback(policy: PolicyInfo, fix: list[sql.Composable] | None) -> list[sql.Composable] | None:
    """The policy's current expressions, for the statements the fix changes."""
    if fix is None:
        return None
    return _alter_policy(policy, policy.using_sql, policy.check_sql)


def _alter_policy(policy: PolicyInfo, using: str | None, check: str | None) -> list[sql.Composable]:
    parts: list[sql.Composable] = [
        sql.SQL("ALTER POLICY {} ON {}").format(
            Name(policy.name), Name(policy.table.schema, policy.table.name)
        )
    ]
    # the expressions are the server's own text (pg_get_expr), or pglast's re-print of it
    if using is not None:
        parts.append(sql.SQL("USING ({})").format(sql.SQL(using)))
    if check is not None:
        parts.append(sql.SQL("WITH CHECK ({})").format(sql.SQL(check)))
    return [sql.SQL(" ").join(parts)]
