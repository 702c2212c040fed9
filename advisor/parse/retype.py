"""The last resort for parameters nothing in a statement types: try the plausible types in turn.

``predicates`` casts parameters to the type of what they meet. Some meet nothing typed:
``SELECT $1 + $2 AS bonus``, ``CASE WHEN ... THEN $3 END`` compared with another parameter,
arithmetic on the output of a function we do not know. When the server then refuses to plan the
statement over a type (``operator is not unique: unknown + unknown``), the parameters in such
positions are cast to numeric, then integer, then text, then date, and the first variant that
plans is kept, with a note saying so. A literal's type never matters to a generic plan's index
choice as much as the column it meets, and those are typed already.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from pglast import ast
from pglast.enums import A_Expr_Kind

from advisor.model import ParsedStatement
from advisor.parse import syntax, types
from advisor.parse.predicates import walk

PLAUSIBLE = ("numeric", "integer", "text", "date")

_TYPE_ERRORS = re.compile(
    r"unknown|could not determine (the )?data type|operator does not exist|"
    r"function .* does not exist|types .* cannot be matched|is not unique",
    re.IGNORECASE,
)


def is_type_error(message: str) -> bool:
    """Whether a planner error is about resolving types (so another typing may plan)."""
    return bool(_TYPE_ERRORS.search(message))


def _cast_positions(root: ast.Node, type_text: str) -> list[int]:
    """Cast, in place, the parameters no context types: operands of arithmetic, CASE results,
    bare select-list entries. Returns their numbers."""
    cast: list[int] = []

    def swap(holder: ast.Node, slot: str) -> None:
        value = getattr(holder, slot, None)
        if isinstance(value, ast.ParamRef):
            setattr(holder, slot, types.cast_node(value, type_text))
            cast.append(value.number or 0)

    for node in list(walk(root)):
        if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP:
            if types.operator(node) in types.ARITHMETIC | {types.CONCAT}:
                swap(node, "lexpr")
                swap(node, "rexpr")
        elif isinstance(node, ast.CaseWhen):
            swap(node, "result")
        elif isinstance(node, ast.CaseExpr):
            swap(node, "defresult")
        elif isinstance(node, ast.ResTarget):
            swap(node, "val")
    return cast


def _retyped(text: str, type_text: str) -> tuple[str, list[int]] | None:
    """``text`` with its untyped parameters cast to ``type_text``, and their numbers; None
    when there are none (or the text does not round-trip)."""
    try:
        root = syntax.parse(text)[0].stmt
        if root is None:
            return None
        numbers = _cast_positions(root, type_text)
        return (syntax.deparse(root), numbers) if numbers else None
    except syntax.Unparsable:
        return None


def alternatives(parsed: ParsedStatement) -> Iterator[ParsedStatement]:
    """Variants of the statement with its untyped parameters cast to each plausible type (its
    wide reading, ``parse.ranges``, cast alike)."""
    for type_text in PLAUSIBLE:
        found = _retyped(parsed.plan_sql, type_text)
        if found is None:
            return
        plan_sql, numbers = found
        params = ", ".join(f"${n}" for n in sorted(set(numbers)))
        note = f"parameters {params} typed {type_text} by trial (nothing else types them)"
        wide = None if parsed.wide_sql is None else _retyped(parsed.wide_sql, type_text)
        yield replace(
            parsed,
            plan_sql=plan_sql,
            repairs=(*parsed.repairs, note),
            wide_sql=None if wide is None else wide[0],
        )
