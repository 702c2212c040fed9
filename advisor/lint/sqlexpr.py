"""Small pglast helpers over SQL expressions the server deparsed (policy predicates, index
predicates, defaults): parse one, find its function calls, wrap calls in a scalar subquery.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pglast import ast, enums
from pglast.stream import RawStream

from advisor.parse import syntax
from advisor.parse.predicates import children, walk
from advisor.parse.syntax import Unparsable


def parse_expression(text: str) -> ast.Node | None:
    """The expression tree of ``text`` (as ``pg_get_expr`` prints it), or None if unparsable."""
    try:
        parsed = syntax.parse("SELECT " + text)  # parsed only, never run
    except Unparsable:
        return None
    if len(parsed) != 1 or not isinstance(parsed[0].stmt, ast.SelectStmt):
        return None
    targets = parsed[0].stmt.targetList or ()
    return targets[0].val if len(targets) == 1 else None


def dotted(parts: tuple[ast.Node, ...] | None) -> str:
    return ".".join(p.sval for p in parts or () if isinstance(p, ast.String) and p.sval)


def func_name(call: ast.FuncCall) -> str:
    return dotted(call.funcname)


def has_column_ref(node: ast.Node) -> bool:
    return any(isinstance(n, ast.ColumnRef) for n in walk(node))


@dataclass(frozen=True)
class Call:
    """A function call evaluated for each row: outside any subquery."""

    node: ast.FuncCall
    name: str
    row_independent: bool  # no column in its arguments: ``(SELECT f(...))`` runs it once


def calls_per_row(node: ast.Node) -> Iterator[Call]:
    """Outermost row-independent calls, and calls with column arguments, outside subqueries."""
    if isinstance(node, ast.SubLink):
        return
    if isinstance(node, ast.FuncCall) and not node.agg_star:
        independent = not has_column_ref(node)
        yield Call(node, func_name(node), independent)
        if independent:
            return
    for child in children(node):
        yield from calls_per_row(child)


def function_names(text: str | None) -> set[str]:
    """Names (as written) of all functions an expression calls."""
    node = parse_expression(text) if text else None
    if node is None:
        return set()
    return {func_name(n) for n in walk(node) if isinstance(n, ast.FuncCall)}


def _subselect(call: ast.Node) -> ast.SubLink:
    return ast.SubLink(
        subLinkType=enums.SubLinkType.EXPR_SUBLINK,
        subselect=ast.SelectStmt(
            targetList=(ast.ResTarget(val=call),),
            op=enums.SetOperation.SETOP_NONE,
            limitOption=enums.LimitOption.LIMIT_OPTION_DEFAULT,
        ),
    )


def _replace(node: ast.Node, wrap: Callable[[ast.Node], bool]) -> ast.Node:
    if isinstance(node, ast.SubLink):
        return node
    if wrap(node):
        return _subselect(node)
    for slot in getattr(type(node), "__slots__", ()):
        value = getattr(node, slot, None)
        if isinstance(value, ast.Node):
            setattr(node, slot, _replace(value, wrap))
        elif isinstance(value, tuple):
            setattr(
                node,
                slot,
                tuple(_replace(v, wrap) if isinstance(v, ast.Node) else v for v in value),
            )
    return node


def wrap_calls(text: str, choose: Callable[[Call], bool]) -> str | None:
    """``text`` with the row-independent calls ``choose`` picks as ``(SELECT f(...))``.

    None when the text does not parse or no call is picked.
    """
    node = parse_expression(text)
    if node is None:
        return None
    targets = {id(c.node) for c in calls_per_row(node) if c.row_independent and choose(c)}
    if not targets:
        return None
    tree = copy.deepcopy(node)
    # deepcopy keeps the walk order: pair the copies with the originals by position
    originals = list(walk(node))
    copies = list(walk(tree))
    chosen = {id(c) for o, c in zip(originals, copies, strict=True) if id(o) in targets}
    result = _replace(tree, lambda n: id(n) in chosen)
    return str(RawStream()(result))
