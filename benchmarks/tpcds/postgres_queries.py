"""dsqgen's stream (netezza dialect) as statements PostgreSQL 13+ runs, in the star harness's
``-- Qn: title`` format: one statement per template, two for the templates that hold two (14,
23, 24, 39), numbered in template order.

What PostgreSQL needs changed:

- ``date + 30 days``: no such literal; ``date + 30`` adds days.
- A subquery in FROM without an alias (15 and before refuse it): one is given.
- ``ORDER BY ... CASE WHEN lochierarchy = 0`` (36, 70, 86): an output column's name inside an
  expression; the ``grouping(...)`` sum it names is put in its place.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pglast
from pglast import ast
from pglast.stream import RawStream

BLOCK = re.compile(
    r"-- start query \d+ in stream \d+ using template query(\d+)\.tpl\n(.*?)-- end query", re.S
)
DAYS = re.compile(r"([+-])\s*(\d+)\s+days\b")
HIERARCHY = re.compile(r"(grouping\(\w+\)\s*\+\s*grouping\(\w+\))\s+as\s+lochierarchy", re.I)


def _aliased(statement: str) -> str:
    """Name every subquery in FROM that has no alias (x1, x2, ...); a statement that has none
    keeps its text, one that had one is deparsed (pglast accepts the missing alias, as 16+
    does)."""
    tree = pglast.parse_sql(statement)
    unnamed = [
        node for node in _walk(tree) if isinstance(node, ast.RangeSubselect) and node.alias is None
    ]
    if not unnamed:
        return statement
    for number, node in enumerate(unnamed, 1):
        node.alias = ast.Alias(aliasname=f"x{number}")
    return RawStream()(tree[0])


def _walk(node: object) -> list[ast.Node]:
    found: list[ast.Node] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple | list):
            stack.extend(item)
        elif isinstance(item, ast.Node):
            found.append(item)
            stack.extend(getattr(item, name) for name in item)
    return found


def convert(stream: str) -> str:
    parts = []
    number = 0
    for template, body in sorted(BLOCK.findall(stream), key=lambda b: int(b[0])):
        body = DAYS.sub(r"\1 \2", body)
        named = HIERARCHY.search(body)
        if named:
            body = re.sub(r"\blochierarchy\s*=\s*0", f"{named.group(1)} = 0", body)
        statements = [s.strip() for s in body.split(";") if s.strip()]
        for k, statement in enumerate(statements):
            number += 1
            label = template if len(statements) == 1 else f"{template}{'ab'[k]}"
            parts.append(f"-- Q{number}: TPC-DS query {label}\n{_aliased(statement)};")
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.stdout.write(convert(Path(sys.argv[1]).read_text(encoding="latin-1")))
