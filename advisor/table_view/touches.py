"""Which tables a workload statement reads or writes, as the real parser sees it.

Every table reference of the statement counts (FROM, JOIN, subqueries, CTE bodies, the target of
INSERT/UPDATE/DELETE/MERGE, COPY), resolved through the search_path like the analysis does;
a name defined by a WITH clause is not a table.
"""

from __future__ import annotations

from collections.abc import Callable

from pglast import ast

from advisor.model import TableRef
from advisor.parse import syntax
from advisor.parse.predicates import walk
from advisor.parse.repair import repair_text
from advisor.parse.syntax import Unparsable

Resolver = Callable[[str | None, str], TableRef | None]


def tables_of(query: str, resolve: Resolver) -> frozenset[TableRef]:
    """The tables a statement references; empty when it cannot be parsed.

    ``resolve(schema, name)`` maps a reference to a table (or None for views, functions...).
    """
    try:
        parsed = syntax.parse(repair_text(query).sql)
    except Unparsable:
        return frozenset()
    found: set[TableRef] = set()
    for raw in parsed:
        if raw.stmt is None:
            continue
        nodes = list(walk(raw.stmt))
        ctes = {n.ctename for n in nodes if isinstance(n, ast.CommonTableExpr) and n.ctename}
        for node in nodes:
            if not isinstance(node, ast.RangeVar) or not node.relname:
                continue
            if node.schemaname is None and node.relname in ctes:
                continue
            ref = resolve(node.schemaname, node.relname)
            if ref is not None:
                found.add(ref)
    return frozenset(found)
