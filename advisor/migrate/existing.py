"""What a migrations folder already holds, so that the same index is not written into it twice.

An index is known by what it builds, not by its file name, number or comments: its ``CREATE
INDEX`` parsed by the PostgreSQL parser and printed again without its name, ``CONCURRENTLY`` and
``IF NOT EXISTS``. A drop is known by the index it drops. Statements that do not parse are not
ours to judge and count as nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums import ObjectType

from advisor.model import Recommendation
from advisor.parse import syntax


def _statements(text: str) -> list[ast.Node]:
    try:
        return [raw.stmt for raw in syntax.parse(text) if raw.stmt is not None]
    except syntax.Unparsable:  # not ours to judge: it builds nothing we know of
        return []


def index_key(node: ast.Node) -> str | None:
    """The index a ``CREATE INDEX`` builds, as comparable text; None for any other statement."""
    if not isinstance(node, ast.IndexStmt):
        return None
    node.idxname = None
    node.concurrent = False
    node.if_not_exists = False
    try:
        return syntax.deparse(node)
    except syntax.Unparsable:
        return None


def drop_keys(node: ast.Node) -> set[str]:
    """The indexes a ``DROP INDEX`` drops, as ``schema.name`` texts; empty for anything else."""
    if not isinstance(node, ast.DropStmt) or node.removeType != ObjectType.OBJECT_INDEX:
        return set()
    return {".".join(str(part.sval) for part in name) for name in node.objects or ()}


def keys_in(texts: Iterable[str]) -> set[str]:
    """Every index built or dropped by the SQL ``texts`` (built: its key; dropped: ``DROP x``)."""
    found: set[str] = set()
    for text in texts:
        for node in _statements(text):
            key = index_key(node)
            if key is not None:
                found.add(key)
            found.update(f"DROP {name}" for name in drop_keys(node))
    return found


def key_of(sql_text: str) -> str | None:
    """The key ``keys_in`` gives the one CREATE or DROP INDEX of ``sql_text``."""
    found = keys_in([sql_text])
    return next(iter(found)) if len(found) == 1 else None


def index_of(rec: Recommendation) -> str | None:
    """The key of the index a recommendation builds: its first statement's (on a partitioned
    table, the ``ON ONLY`` parent index the partitions' indexes are attached to)."""
    return key_of(rec.create_statements[0])
