"""A statement's wide reading: its ranges between parameters with the upper bound set aside.

A generic plan cannot know how far a range between two parameters reaches. PostgreSQL takes
``col >= $1 AND col < $2`` (or ``col BETWEEN $1 AND $2``) for 0.5 % of the rows
(``DEFAULT_RANGE_INEQ_SEL``), the same for a day as for a year, and a one-sided ``col >= $1``
for a third (``DEFAULT_INEQ_SEL``). ``widen`` rewrites every such pair so that only its lower
bound filters: the upper comparison becomes ``(col < $2) IS NOT NULL``, which keeps every
parameter in the text (the server still infers its type from the comparison), filters nothing
the planner can estimate (0.995 of the rows) and gives no index condition. Planning both
readings tells an index that is good only for narrow ranges (a plain index on the range
column: the wide reading scans the table) from one that is good for both (a covering one).

Only pairs whose bounds both come from parameters are rewritten, and only within one ``AND``
(a ``BETWEEN`` is a pair by itself): a bound with a constant or a column in it is estimated from
the statistics already. The caller names the columns whose ranges may be widened (``columns``,
by column name: a qualified ``t.col`` counts as ``col``):
``parse.statement`` leaves out those of tables with less than a tenth of the rows of the
statement's largest table. A range on a small dimension table of a star join changes how many
rows reach the join, and its wide reading would double the planning of the statements that
cost the most to plan (eight-way joins: 12 ms an EXPLAIN) for advice that, on the star
benchmark, came out the same.
"""

from __future__ import annotations

from collections.abc import Set

from pglast import ast, enums
from pglast.visitors import Visitor

from advisor.parse import syntax
from advisor.parse.predicates import walk
from advisor.parse.syntax import Unparsable

_LOWER = {">": True, ">=": True, "<": False, "<=": False}  # column on the left: a lower bound
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">="}


def _has(node: ast.Node, kinds: tuple[type[ast.Node], ...]) -> bool:
    return any(isinstance(n, kinds) for n in walk(node))


def _from_parameters(node: ast.Node) -> bool:
    """A bound the generic plan cannot see: parameters, and no column or subquery."""
    return _has(node, (ast.ParamRef,)) and not _has(node, (ast.ColumnRef, ast.SubLink))


def _column_side(node: ast.Node) -> bool:
    return _has(node, (ast.ColumnRef,)) and not _has(node, (ast.ParamRef, ast.SubLink))


def _column_names(node: ast.Node) -> set[str]:
    return {
        str(getattr(ref.fields[-1], "sval", ""))
        for ref in walk(node)
        if isinstance(ref, ast.ColumnRef) and ref.fields
    }


def _bound(node: ast.Node, columns: Set[str]) -> tuple[str, bool] | None:
    """(the compared expression's text, whether it is a lower bound) of ``x op bound`` or
    ``bound op x`` where the bound comes from parameters."""
    if not (isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_OP):
        return None
    if not node.name or len(node.name) != 1 or node.lexpr is None or node.rexpr is None:
        return None
    op = getattr(node.name[0], "sval", None)
    if op not in _LOWER:
        return None
    left, right = node.lexpr, node.rexpr
    if not isinstance(left, ast.Node) or not isinstance(right, ast.Node):
        return None
    if _column_side(left) and _from_parameters(right) and _column_names(left) <= columns:
        return syntax.deparse(left), _LOWER[op]
    if _from_parameters(left) and _column_side(right) and _column_names(right) <= columns:
        return syntax.deparse(right), _LOWER[_FLIPPED[op]]
    return None


def _set_aside(comparison: ast.Node) -> ast.NullTest:
    """``(comparison) IS NOT NULL``: the parameters stay, the filter goes."""
    return ast.NullTest(arg=comparison, nulltesttype=enums.NullTestType.IS_NOT_NULL)


class _Widen(Visitor):  # type: ignore[misc]
    def __init__(self, columns: Set[str]) -> None:
        super().__init__()
        self.columns = columns
        self.changed = False

    def visit_BoolExpr(self, ancestors: object, node: ast.BoolExpr) -> None:
        if node.boolop != enums.BoolExprType.AND_EXPR or not node.args:
            return
        bounds = [_bound(arg, self.columns) for arg in node.args]
        lower = {b[0] for b in bounds if b is not None and b[1]}
        upper = {b[0] for b in bounds if b is not None and not b[1]}
        both = lower & upper
        if not both:
            return
        node.args = tuple(
            _set_aside(arg) if b is not None and not b[1] and b[0] in both else arg
            for arg, b in zip(node.args, bounds, strict=True)
        )
        self.changed = True

    def visit_A_Expr(self, ancestors: object, node: ast.A_Expr) -> ast.Node | None:
        if node.kind != enums.A_Expr_Kind.AEXPR_BETWEEN or node.lexpr is None:
            return None
        low_high = node.rexpr
        if not isinstance(low_high, tuple) or len(low_high) != 2:
            return None
        low, high = low_high
        if not (_column_side(node.lexpr) and _from_parameters(low) and _from_parameters(high)):
            return None
        if not _column_names(node.lexpr) <= self.columns:
            return None
        self.changed = True
        ge = ast.A_Expr(kind=enums.A_Expr_Kind.AEXPR_OP, name=(ast.String(">="),),
                        lexpr=node.lexpr, rexpr=low)  # fmt: skip
        le = ast.A_Expr(kind=enums.A_Expr_Kind.AEXPR_OP, name=(ast.String("<="),),
                        lexpr=node.lexpr, rexpr=high)  # fmt: skip
        return ast.BoolExpr(boolop=enums.BoolExprType.AND_EXPR, args=(ge, _set_aside(le)))


def widen(sql: str, columns: Set[str]) -> str | None:
    """``sql`` with each range between parameters read one-sided; None when it has none (or
    when the text does not round-trip through the parser)."""
    if not columns:
        return None
    try:
        (raw,) = syntax.parse(sql)
    except (Unparsable, ValueError):
        return None
    if raw.stmt is None:
        return None
    widener = _Widen(columns)
    try:
        root = widener(raw.stmt)
        return syntax.deparse(root) if widener.changed else None
    except Unparsable:
        return None
