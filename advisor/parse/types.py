"""The SQL type of an expression, as far as the statement and the catalog tell it.

pg_stat_statements turns ``t2.year_ = 2001 + 1`` into ``t2.year_ = $8 + $9``: two parameters of
unknown type in arithmetic, which the server cannot resolve (``operator is not unique: unknown +
unknown``). What they meet says what they are: a column (of a table, or a CTE's or subquery's
output column, whose type is that of the expression it selects), a typed expression, an aggregate
over a column. This module infers such types from the parse tree; ``predicates`` resolves column
references through the query's scopes and calls it, then casts the parameters.

Types are canonical names as ``format_type()`` prints them, without type modifiers (``integer``,
``numeric``, ``character varying``, ``timestamp without time zone``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from pglast import ast
from pglast.enums import A_Expr_Kind, SubLinkType

from advisor.parse import syntax

_ALIASES = {
    "int": "integer", "int4": "integer", "int2": "smallint", "int8": "bigint",
    "decimal": "numeric", "float4": "real", "float8": "double precision",
    "float": "double precision", "varchar": "character varying", "bpchar": "character",
    "char": "character", "bool": "boolean", "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone", "time": "time without time zone",
    "timetz": "time with time zone",
}  # fmt: skip
NUMERIC_ORDER = ("smallint", "integer", "bigint", "numeric", "real", "double precision")
TEXT_TYPES = frozenset({"text", "character varying", "character", "name"})
ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})
CONCAT = "||"

_INTEGER_FUNCS = {"length", "char_length", "character_length", "strpos", "position", "octet_length"}
_BIGINT_FUNCS = {"count", "row_number", "rank", "dense_rank", "ntile"}
_DOUBLE_FUNCS = {"percent_rank", "cume_dist", "date_part", "random"}
_TEXT_FUNCS = {
    "upper", "lower", "substr", "substring", "trim", "btrim", "ltrim", "rtrim", "concat",
    "concat_ws", "replace", "left", "right", "initcap", "lpad", "rpad", "to_char", "md5",
    "string_agg", "format",
}  # fmt: skip
_SAME_AS_ARG = {
    "min", "max", "abs", "ceil", "ceiling", "floor", "trunc", "round", "first_value",
    "last_value", "lag", "lead", "nth_value", "any_value", "nullif", "sign",
}  # fmt: skip


def canonical(type_text: str | None) -> str | None:
    """``numeric(7,2)`` -> ``numeric``, ``int4`` -> ``integer``; None stays None."""
    if not type_text:
        return None
    text = re.sub(r"\(.*?\)", "", type_text.strip().lower())
    text = " ".join(text.replace("pg_catalog.", "").split())
    if text.endswith("[]"):
        return text
    return _ALIASES.get(text) or text


def is_numeric(type_text: str | None) -> bool:
    return canonical(type_text) in NUMERIC_ORDER


def wider(a: str, b: str) -> str:
    """The numeric type both operands are promoted to."""
    return max(a, b, key=NUMERIC_ORDER.index)


def type_name_text(type_name: ast.TypeName) -> str | None:
    try:
        return canonical(syntax.deparse(type_name))
    except syntax.Unparsable:
        return None


def cast_node(node: ast.Node, type_text: str) -> ast.TypeCast:
    """``node`` -> ``CAST(node AS type)``; the type text is a canonical or format_type name."""
    return ast.TypeCast(arg=node, typeName=syntax.type_name(type_text))


def operator(node: ast.A_Expr) -> str:
    names = [n.sval or "" for n in node.name or () if isinstance(n, ast.String)]
    return names[-1] if names else ""


def is_untyped(node: object) -> bool:
    """A bare parameter, or arithmetic / concatenation of nothing but such: the server cannot
    tell its type (``$1 + $2``, ``($1 * $2) - $3``)."""
    if isinstance(node, ast.ParamRef):
        return True
    if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP:
        if operator(node) not in ARITHMETIC | {CONCAT}:
            return False
        return (node.lexpr is None or is_untyped(node.lexpr)) and is_untyped(node.rexpr)
    return False


def untyped_arithmetic(node: object) -> bool:
    """Arithmetic whose operands are all untyped parameters (not a bare parameter: the server
    types ``col = $1`` itself)."""
    return isinstance(node, ast.A_Expr) and is_untyped(node)


def cast_params(node: ast.A_Expr, type_text: str) -> list[int]:
    """Cast every bare parameter operand inside untyped arithmetic ``node`` to ``type_text``, in
    place; the parameter numbers cast."""
    cast: list[int] = []
    for side in ("lexpr", "rexpr"):
        operand = getattr(node, side)
        if isinstance(operand, ast.ParamRef):
            setattr(node, side, cast_node(operand, type_text))
            cast.append(operand.number or 0)
        elif isinstance(operand, ast.A_Expr):
            cast += cast_params(operand, type_text)
    return cast


def level_nodes(node: object) -> Iterator[ast.Node]:
    """Every node of an expression, without entering subqueries (they have their own scope)."""
    if isinstance(node, (tuple, list)):
        for item in node:
            yield from level_nodes(item)
        return
    if not isinstance(node, ast.Node) or isinstance(node, (ast.SelectStmt, ast.RangeSubselect)):
        return
    yield node
    for slot in getattr(type(node), "__slots__", ()):
        if isinstance(node, ast.SubLink) and slot == "subselect":
            continue
        yield from level_nodes(getattr(node, slot, None))


TypeOf = Callable[[ast.Node], str | None]
"""Resolves what this module cannot: a column reference, a scalar subquery."""


def expression_type(node: object, lookup: TypeOf) -> str | None:
    """The canonical type of an expression, or None when unknown (a parameter, an untyped
    literal, a function we do not know)."""
    if isinstance(node, ast.ColumnRef | ast.SubLink):
        if isinstance(node, ast.SubLink) and node.subLinkType != SubLinkType.EXPR_SUBLINK:
            return "boolean"
        return lookup(node)
    if isinstance(node, ast.TypeCast) and node.typeName is not None:
        return type_name_text(node.typeName)
    if isinstance(node, ast.A_Const):
        return _constant_type(node)
    if isinstance(node, ast.FuncCall):
        return _function_type(node, lookup)
    if isinstance(node, ast.CoalesceExpr | ast.MinMaxExpr):
        return _first_known(node.args, lookup)
    if isinstance(node, ast.CaseExpr):
        results = [w.result for w in node.args or () if isinstance(w, ast.CaseWhen)]
        return _first_known([*results, node.defresult], lookup)
    if isinstance(node, ast.BoolExpr | ast.NullTest | ast.BooleanTest):
        return "boolean"
    if isinstance(node, ast.A_Expr):
        return _operator_type(node, lookup)
    return None


def _constant_type(node: ast.A_Const) -> str | None:
    value = node.val
    if node.isnull or value is None:
        return None
    if isinstance(value, ast.Integer):
        return "integer"
    if isinstance(value, ast.Float):
        text = value.fval or ""
        return "bigint" if text.isdigit() and int(text) < 2**63 else "numeric"
    if isinstance(value, ast.Boolean):
        return "boolean"
    return None  # a string literal is of unknown type until something decides


def _first_known(nodes: object, lookup: TypeOf) -> str | None:
    for item in nodes if isinstance(nodes, (tuple, list)) else ():
        found = expression_type(item, lookup)
        if found is not None:
            return found
    return None


def _function_type(node: ast.FuncCall, lookup: TypeOf) -> str | None:
    name = (node.funcname[-1].sval or "").lower() if node.funcname else ""
    args = node.args or ()
    first = expression_type(args[0], lookup) if args else None
    if name in _BIGINT_FUNCS:
        return "bigint"
    if name in _INTEGER_FUNCS:
        return "integer"
    if name in _DOUBLE_FUNCS:
        return "double precision"
    if name in _TEXT_FUNCS:
        return "text"
    if name == "extract":
        return "numeric"
    if name in _SAME_AS_ARG:
        return "numeric" if name == "round" and len(args) > 1 else first
    if name == "sum":
        if first in ("smallint", "integer"):
            return "bigint"
        return "numeric" if first in ("bigint", "numeric") else first
    if name in ("avg", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop"):
        if first in ("real", "double precision"):
            return "double precision"
        return "interval" if first == "interval" and name == "avg" else "numeric"
    return None


def _operator_type(node: ast.A_Expr, lookup: TypeOf) -> str | None:
    if node.kind != A_Expr_Kind.AEXPR_OP:
        return "boolean" if node.kind != A_Expr_Kind.AEXPR_NULLIF else None
    op = operator(node)
    if op == CONCAT:
        return "text"
    if op not in ARITHMETIC:
        return "boolean"
    left = expression_type(node.lexpr, lookup) if node.lexpr is not None else None
    right = expression_type(node.rexpr, lookup)
    if node.lexpr is None:
        return right  # unary minus
    if left is None or right is None:
        known = left or right
        return known if known in NUMERIC_ORDER else None  # unknown + integer: integer
    if left in NUMERIC_ORDER and right in NUMERIC_ORDER:
        return wider(left, right)
    if left == "date" and right == "date" and op == "-":
        return "integer"
    if left == "date" and right in ("integer", "smallint") and op in "+-":
        return "date"
    if left == "date" and right == "interval":
        return "timestamp without time zone"
    if left.startswith("timestamp") and right == "interval":
        return left
    return None
