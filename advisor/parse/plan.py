"""Column uses from what the planner sees: the quals, join keys and sort keys of a statement's plan.

The parse tree knows what the statement's text names. Behind a view, an inlined CTE, a subquery
pulled up into its parent, an inlined SQL function, or an ``ORDER BY`` by position or alias, the
planner has already resolved every column to a base table: ``EXPLAIN (VERBOSE)`` prints each
condition with the alias of the scan that reads it (``o.customer_id = $1``), and each scan node
says which relation that alias is. Those expressions are parsed by the real parser (as
``SELECT 1 WHERE <condition>``) and classified by the statement walker, so that a role means the
same whichever way it was found.

- A ``MATERIALIZED`` CTE stays a fence: the scans of its body give their own uses, while the
  conditions on the CTE Scan read the CTE's result, not a table, and give none.
- Scans of partitions count for the partitioned table the statement names (the root of the
  partition tree when the statement names none of them, as through a view).
- A varchar or domain column compared with text is printed with a cast (``(email)::text``) that
  only relabels it: the index on the column serves it, so the cast is dropped.
- The plan's ``$n`` are the statement's parameters; references to subplans
  (``(SubPlan 1)``, ``(InitPlan 1).col1``) are values computed apart, like a scalar subquery.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from pglast import ast
from pglast.stream import RawStream

from advisor.collect.catalog import Catalog
from advisor.model import ColumnUse, ParsedStatement, Role, Table, TableRef
from advisor.parse import syntax
from advisor.parse.predicates import PredicateWalker, Scope, node_slots, walk
from advisor.parse.syntax import Unparsable

log = logging.getLogger(__name__)

CONDITIONS = (
    "Filter",
    "Index Cond",
    "Recheck Cond",
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
)
# a Sort feeding these serves a join or a grouping, whose keys the node itself shows
_SORT_FOR_OTHERS = {"Merge Join", "Aggregate", "Group"}
_SUBPLAN_WORDS = {"subplan", "initplan"}


@dataclass
class PlanFacts:
    """What a plan adds to the parse tree: base tables, column uses, columns read per table."""

    tables: set[TableRef] = field(default_factory=set)
    uses: list[ColumnUse] = field(default_factory=list)
    reads: dict[TableRef, set[str] | None] = field(default_factory=dict)  # None: every column


def nodes(plan: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Every node of a plan tree with its parent, top first (depth first)."""
    stack: list[tuple[dict[str, Any], dict[str, Any] | None]] = [(plan, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in reversed(node.get("Plans", ())))


def _scope(plan: dict[str, Any], catalog: Catalog, named: set[TableRef]) -> Scope:
    """Alias -> table, for every aliased node of the plan (EXPLAIN makes aliases unique).

    Nodes that read no table of ours (CTE, subquery, function and values scans, system
    catalogs, views and foreign tables) map to None: their columns are not a table's.
    """
    scope = Scope()
    for node, _parent in nodes(plan):
        alias = node.get("Alias")
        if not alias:
            continue
        table = None
        if "Relation Name" in node:
            table = catalog.resolve(node.get("Schema"), node["Relation Name"])
        if table is not None and table.kind in ("v", "f"):
            table = None
        if table is not None:
            chain = (table.ref, *catalog.ancestors(table.ref))
            named_here = [ref for ref in chain if ref in named]
            table = catalog.tables[named_here[-1] if named_here else chain[-1]]
        scope.entries[alias] = table
    return scope


def _without_subplans(text: str) -> str:
    """``x = (SubPlan 1)``, ``(InitPlan 1).col1``, ``(hashed SubPlan 2)``: each becomes a
    scalar subquery, ``(SELECT NULL)``, so that the text parses and means "a value"."""
    if "Plan " not in text:
        return text  # the common case, without scanning
    try:
        tokens = syntax.scan(text)
    except Unparsable:
        return text
    edits: list[tuple[int, int]] = []
    opened: list[tuple[int, bool]] = []  # (token index of "(", holds a subplan reference)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = text[tok.start : tok.end + 1]
        if word == "(":
            opened.append((i, False))
        elif word == ")" and opened:
            start, holds = opened.pop()
            if holds:
                end = tok.end + 1
                if i + 2 < len(tokens) and text[tokens[i + 1].start] == ".":
                    end = tokens[i + 2].end + 1  # (InitPlan 1).col1
                    i += 2
                edits = [e for e in edits if e[0] < tokens[start].start]
                edits.append((tokens[start].start, end))
        elif (
            tok.name == "IDENT"
            and word.lower() in _SUBPLAN_WORDS
            and i + 1 < len(tokens)
            and tokens[i + 1].name == "ICONST"
            and opened
        ):
            opened[-1] = (opened[-1][0], True)
        i += 1
    out, last = [], 0
    for start, end in edits:
        out += [text[last:start], "(SELECT NULL)"]
        last = end
    return "".join([*out, text[last:]])


def _parse(text: str) -> ast.SelectStmt | None:
    """A SELECT made of plan expressions (``SELECT 1 WHERE <condition>``), parsed: a fresh tree
    each time, since classifying it may change it."""
    try:
        stmt = syntax.parse(_without_subplans(text))[0].stmt
    except Unparsable:
        log.debug("plan expression not parsed: %s", text)
        return None
    return stmt if isinstance(stmt, ast.SelectStmt) else None


@functools.lru_cache(maxsize=1024)
def _type_name(text: str) -> str | None:
    """A type name as pglast prints it, so that ``character varying`` and ``varchar`` compare."""
    stmt = _parse(f"SELECT 1 WHERE NULL::{text}")
    if stmt is None or not isinstance(stmt.whereClause, ast.TypeCast):
        return None
    if stmt.whereClause.typeName is None:
        return None
    return RawStream()(stmt.whereClause.typeName)


def _rewrite(root: ast.Node, change: Callable[[Any], Any]) -> None:
    """Replace every node below ``root`` by ``change(node)`` where that differs, in place."""
    for sub in list(walk(root)):
        for slot in node_slots(type(sub)):
            value = getattr(sub, slot, None)
            if isinstance(value, tuple):
                changed = tuple(change(v) for v in value)
                if any(a is not b for a, b in zip(changed, value, strict=True)):
                    setattr(sub, slot, changed)
            elif isinstance(value, ast.Node) and (new := change(value)) is not value:
                setattr(sub, slot, new)


def _relabelled(node: Any, walker: PredicateWalker, scope: Scope) -> Any:
    """``(column)::type`` -> the column, where the column's index takes that type."""
    if not (isinstance(node, ast.TypeCast) and isinstance(node.arg, ast.ColumnRef)):
        return node
    hit = walker.resolve(node.arg, scope)
    column = hit[0].column(hit[1]) if hit else None
    if column is None or column.index_type is None or node.typeName is None:
        return node
    if RawStream()(node.typeName) == _type_name(column.index_type):
        return node.arg
    return node


def _expressions(plan: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Every condition of the plan, and what its scans output."""
    conditions: list[str] = []
    outputs: list[str] = []
    for node, _parent in nodes(plan):
        conditions += [node[name] for name in CONDITIONS if name in node]
        if "Relation Name" in node:
            outputs += node.get("Output", ())
    return conditions, outputs


def _parse_all(conditions: list[str], outputs: list[str]) -> list[ast.SelectStmt]:
    """``SELECT <outputs> WHERE <condition> AND ...``: one parse for a whole plan (parsing is
    most of the time spent here), or one per expression when something in it does not parse."""
    targets = ", ".join(f"({o})" for o in outputs) or "1"
    where = " AND ".join(f"({c})" for c in conditions) or "true"
    whole = _parse(f"SELECT {targets} WHERE {where}")
    if whole is not None:
        return [whole]
    parts = [_parse(f"SELECT 1 WHERE {c}") for c in conditions]
    parts += [_parse(f"SELECT {o}") for o in outputs]
    return [p for p in parts if p is not None]


def _read(
    stmts: list[ast.SelectStmt], walker: PredicateWalker, scope: Scope
) -> dict[TableRef, tuple[Table, set[str]]]:
    """The columns of each table that the scans output or that a condition tests."""
    reads: dict[TableRef, tuple[Table, set[str]]] = {}
    for stmt in stmts:
        for sub in walk(stmt):
            if isinstance(sub, ast.ColumnRef) and (hit := walker.resolve(sub, scope)):
                reads.setdefault(hit[0].ref, (hit[0], set()))[1].add(hit[1])
    return reads


def _order(
    node: dict[str, Any], parent: dict[str, Any] | None
) -> tuple[str, Role, list[str]] | None:
    """A node's ordering: the clause to parse it as, its role and its keys."""
    if "Sort Key" in node and (parent or {}).get("Node Type") not in _SORT_FOR_OTHERS:
        return "ORDER BY", Role.ORDER_BY, node["Sort Key"]
    if "Group Key" in node:
        return "GROUP BY", Role.GROUP_BY, node["Group Key"]
    return None


def facts(plan: dict[str, Any], parsed: ParsedStatement, catalog: Catalog) -> PlanFacts:
    """The base tables, column uses and reads a VERBOSE plan shows."""
    scope = _scope(plan, catalog, set(parsed.tables))
    walker = PredicateWalker(catalog)
    out = PlanFacts()
    for table in scope.entries.values():
        if table is not None:
            walker.out.tables[table.ref] = table
            out.tables.add(table.ref)
    relabel = functools.partial(_relabelled, walker=walker, scope=scope)
    conditions, outputs = _expressions(plan)
    stmts = _parse_all(conditions, outputs)
    casts = any("::" in text for text in conditions)
    for stmt in stmts:
        if casts:
            _rewrite(stmt, relabel)
        if stmt.whereClause is not None:
            walker.qual(stmt.whereClause, scope, {})
    for ref, (table, columns) in _read(stmts, walker, scope).items():
        out.reads[ref] = None if len(columns) == len(table.columns) else columns  # None: as *
    # one ORDER BY and one GROUP BY per table, the top one: key shapes mix no two orderings
    ordered: set[tuple[TableRef, Role]] = {
        (u.table, u.role) for u in parsed.uses if u.role in (Role.ORDER_BY, Role.GROUP_BY)
    }
    for node, parent in nodes(plan):
        order = _order(node, parent)
        if order is None:
            continue
        clause, role, keys = order
        keyed = _parse(f"SELECT 1 {clause} {', '.join(keys)}")
        if keyed is None:
            continue
        if any("::" in key for key in keys):
            _rewrite(keyed, relabel)
        before = len(walker.out.uses)
        items = keyed.sortClause if role is Role.ORDER_BY else keyed.groupClause
        walker.ordering(items, scope, role, sort=role is Role.ORDER_BY)
        found = walker.out.uses[before:]
        if found and (found[0].table, role) in ordered:
            del walker.out.uses[before:]  # the text gave this table's ordering, or a node above
        elif found:
            ordered.add((found[0].table, role))
    out.uses = list(dict.fromkeys(walker.out.uses))
    return out


@functools.lru_cache(maxsize=4096)
def _canonical(text: str) -> str:
    """An expression key as printed without the casts of its constants (``'day'::text``), so
    that the user's text and the planner's print of the same expression compare equal."""
    stmt = _parse(f"SELECT 1 WHERE {text}")
    if stmt is None or stmt.whereClause is None:
        return text
    _rewrite(stmt, _constant_alone)
    expr = stmt.whereClause
    return RawStream()(expr)


def _constant_alone(node: Any) -> Any:
    if isinstance(node, ast.TypeCast) and isinstance(node.arg, ast.A_Const):
        return node.arg
    return node


def _identity(use: ColumnUse) -> tuple[object, ...]:
    key = use.key
    text = _canonical(key.text) if key.expression else key.text
    return (use.table, text, key.expression, key.order, use.role, use.position, use.operator)


def merge(parsed: ParsedStatement, found: PlanFacts) -> ParsedStatement:
    """The statement with what its plan adds: new tables, uses not already known, and what
    the tables only the plan found are read for."""
    known = {_identity(u) for u in parsed.uses}
    extra = tuple(u for u in found.uses if _identity(u) not in known)
    tables = set(parsed.tables) | found.tables
    reads = dict(parsed.reads)
    for ref, columns in found.reads.items():
        reads.setdefault(ref, None if columns is None else tuple(sorted(columns)))
    if not extra and tables == set(parsed.tables) and reads == dict(parsed.reads):
        return parsed
    return replace(
        parsed,
        uses=parsed.uses + extra,
        tables=tuple(sorted(tables)),
        reads=tuple(sorted(reads.items())),
    )
