"""Repair what pg_stat_statements' normalization breaks, so the statement parses again.

pg_stat_statements replaces every constant with ``$n``. A typed literal such as
``date '1995-03-15'`` becomes ``date $1`` and ``interval '3' month`` becomes ``interval $2 month``,
which are not SQL; the field of ``extract(year FROM d)`` becomes ``extract($1 FROM d)``. We work on
the real scanner's tokens: a type name followed by a parameter becomes a cast parameter
(``$1::date``), interval fields are dropped with it (the value is unknown to a generic plan anyway),
and ``extract($1 FROM d)`` becomes ``pg_catalog.date_part($1::text, d)``: the same function with
the field as the parameter it is. (Any made-up field would plan as well, but would then offer
expression indexes on a field the statement never reads; an expression with a parameter is no
index candidate.)
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast, parser

from advisor.parse import syntax
from advisor.parse.syntax import Unparsable

# Scanner token names of keywords that can start a type name in a typed literal.
_TYPE_KEYWORDS = {
    "INTERVAL", "TIMESTAMP", "TIME", "NUMERIC", "DECIMAL_P", "DEC", "INT_P", "INTEGER", "BIGINT",
    "SMALLINT", "REAL", "FLOAT_P", "BOOLEAN_P", "CHAR_P", "CHARACTER", "VARCHAR", "NCHAR", "BIT",
    "JSON",
}  # fmt: skip
_INTERVAL_FIELDS = {"YEAR_P", "MONTH_P", "DAY_P", "HOUR_P", "MINUTE_P", "SECOND_P", "TO"}


@dataclass(frozen=True)
class TextRepair:
    sql: str
    notes: tuple[str, ...]


def _type_span_start(tokens: list[parser.Token], i: int) -> int | None:
    """Index of the first token of a type name that ends right before token ``i``."""
    names = [t.name for t in tokens]
    if (
        i >= 4
        and names[i - 1] == "ZONE"
        and names[i - 2] == "TIME"
        and names[i - 3] in ("WITH", "WITHOUT")
        and names[i - 4] in ("TIMESTAMP", "TIME")
    ):
        return i - 4
    if i >= 2 and names[i - 1] == "PRECISION" and names[i - 2] == "DOUBLE_P":
        return i - 2
    if i >= 2 and names[i - 1] == "VARYING" and names[i - 2] in ("CHARACTER", "BIT"):
        return i - 2
    if i >= 1 and (names[i - 1] == "IDENT" or names[i - 1] in _TYPE_KEYWORDS):
        if i >= 2 and names[i - 2] == "ASCII_46":  # a qualified name: leave it alone
            return None
        return i - 1
    return None


def repair_text(query: str) -> TextRepair:
    """Rewrite typed-literal and ``extract`` parameters; returns the text unchanged if none."""
    try:
        tokens = syntax.scan(query)
    except Unparsable:
        return TextRepair(query, ())
    edits: list[tuple[int, int, str]] = []  # (start, end exclusive, replacement)
    notes: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.name != "PARAM":
            i += 1
            continue
        param = query[tok.start : tok.end + 1]
        if (
            i >= 2
            and i + 1 < len(tokens)
            and tokens[i - 1].name == "ASCII_40"
            and tokens[i - 2].name == "EXTRACT"
            and tokens[i + 1].name == "FROM"
        ):
            # date_part exists on every version (extract() the function only from 14)
            edits.append(
                (tokens[i - 2].start, tokens[i + 1].end + 1, f"pg_catalog.date_part({param}::text,")
            )
            notes.append(f"extract({param} FROM ...) planned as date_part({param}, ...)")
            i += 2
            continue
        start = _type_span_start(tokens, i)
        if start is None:
            i += 1
            continue
        type_text = query[tokens[start].start : tokens[i - 1].end + 1]
        end = tok.end + 1
        j = i + 1
        if tokens[start].name == "INTERVAL":
            while j < len(tokens) and tokens[j].name in _INTERVAL_FIELDS:
                end = tokens[j].end + 1
                j += 1
            type_text = "interval"
        edits.append((tokens[start].start, end, f"{param}::{type_text}"))
        notes.append(f"typed literal '{type_text} {param}' rewritten as {param}::{type_text}")
        i = j
    if not edits:
        return TextRepair(query, ())
    out = []
    last = 0
    for start, end, text in edits:
        out.append(query[last:start])
        out.append(text)
        last = end
    out.append(query[last:])
    return TextRepair("".join(out), tuple(notes))


_NUMERIC_AGGREGATES = {"sum", "avg"}


def type_case_results(root: ast.Node | None) -> tuple[str, ...]:
    """Cast parameters that are every result of a CASE inside sum()/avg() to numeric.

    ``sum(CASE WHEN ... THEN 1 ELSE 0 END)`` normalizes to ``sum(CASE ... THEN $3 ELSE $4 END)``:
    with only parameters to go by, the CASE resolves to text and ``sum(text)`` does not exist.
    The aggregate says the values are numbers. Changes the tree in place; returns notes.
    """
    from advisor.parse.predicates import walk

    if root is None:
        return ()
    notes: list[str] = []
    for node in walk(root):
        if not isinstance(node, ast.FuncCall):
            continue
        name = node.funcname[-1].sval if node.funcname else None
        if name not in _NUMERIC_AGGREGATES:
            continue
        for case in (n for arg in node.args or () for n in walk(arg)):
            if not isinstance(case, ast.CaseExpr):
                continue
            whens = [w for w in case.args or () if isinstance(w, ast.CaseWhen)]
            results = [w.result for w in whens] + [case.defresult]
            if not all(isinstance(r, ast.ParamRef | ast.A_Const | None) for r in results):
                continue
            if not any(isinstance(r, ast.ParamRef) for r in results):
                continue
            for when in whens:
                if isinstance(when.result, ast.ParamRef):
                    when.result = _numeric(when.result)
            if isinstance(case.defresult, ast.ParamRef):
                case.defresult = _numeric(case.defresult)
            notes.append(f"parameters in CASE results under {name}() cast to numeric")
    return tuple(notes)


def _numeric(param: ast.ParamRef) -> ast.TypeCast:
    return ast.TypeCast(arg=param, typeName=syntax.type_name("numeric"))


def unify_grouping(root: ast.Node | None) -> tuple[str, ...]:
    """Give GROUP BY / ORDER BY / DISTINCT ON expressions the parameters of the select-list
    expression they repeat.

    ``SELECT substr(name, 1, 20) ... GROUP BY substr(name, 1, 20)`` is stored by
    pg_stat_statements as ``SELECT substr(name, $1, $2) ... GROUP BY substr(name, 1, 20)`` (the
    constants of a clause that repeats a select-list entry are not replaced; other normalizers
    number them anew): for the server these are different expressions, and the select list is no
    longer grouped. Expressions that match once constants and parameters are masked take the
    select list's. Changes the tree in place; returns notes.
    """
    from advisor.parse.predicates import walk

    if root is None:
        return ()
    notes: list[str] = []
    for node in walk(root):
        if not isinstance(node, ast.SelectStmt) or not node.targetList:
            continue
        targets = {
            _masked(t.val): t.val
            for t in node.targetList
            if isinstance(t, ast.ResTarget) and t.val is not None and _has_param(t.val)
        }
        if not targets:
            continue
        for clause in ("groupClause", "sortClause", "distinctClause"):
            items = getattr(node, clause)
            if not items:
                continue
            replaced = tuple(_unified(item, targets) for item in items)
            if any(_text(new) != _text(old) for new, old in zip(replaced, items, strict=True)):
                setattr(node, clause, replaced)
                notes.append(
                    f"{_CLAUSES[clause]} expression given the parameters of the select list"
                )
    return tuple(dict.fromkeys(notes))


_CLAUSES = {"groupClause": "GROUP BY", "sortClause": "ORDER BY", "distinctClause": "DISTINCT ON"}


def _text(node: object) -> str:
    try:
        return syntax.deparse(node) if isinstance(node, ast.Node) else ""
    except syntax.Unparsable:
        return ""


def _has_param(node: object) -> bool:
    from advisor.parse.predicates import walk

    return isinstance(node, ast.Node) and any(isinstance(n, ast.ParamRef) for n in walk(node))


def _masked(node: object) -> str:
    """The expression's text with every parameter and constant replaced by ``$0``."""
    import copy

    from advisor.parse.predicates import walk

    if not isinstance(node, ast.Node):
        return ""
    bare = copy.deepcopy(node)
    for sub in list(walk(bare)):
        if isinstance(sub, ast.ParamRef):
            sub.number = 0
        for slot in getattr(type(sub), "__slots__", ()):
            value = getattr(sub, slot, None)
            if isinstance(value, ast.A_Const):
                setattr(sub, slot, ast.ParamRef(number=0))
            elif isinstance(value, tuple) and any(isinstance(v, ast.A_Const) for v in value):
                zero = ast.ParamRef(number=0)
                setattr(sub, slot, tuple(zero if isinstance(v, ast.A_Const) else v for v in value))
    try:
        return syntax.deparse(bare)
    except syntax.Unparsable:
        return ""


def _unified(item: ast.Node, targets: dict[str, ast.Node]) -> ast.Node:
    import copy

    if isinstance(item, ast.SortBy):
        if (match := targets.get(_masked(item.node))) is not None:
            return ast.SortBy(
                node=copy.deepcopy(match), sortby_dir=item.sortby_dir,
                sortby_nulls=item.sortby_nulls, useOp=item.useOp,
            )  # fmt: skip
        return item
    if isinstance(item, ast.A_Const):
        return item  # GROUP BY 2: a position in the select list
    if isinstance(item, ast.GroupingSet):
        content = tuple(_unified(c, targets) for c in item.content or ())
        return ast.GroupingSet(kind=item.kind, content=content)
    if (match := targets.get(_masked(item))) is not None:
        return copy.deepcopy(match)
    return item
