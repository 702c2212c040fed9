"""The way out and the way back for an existing index: its DROP and its re-CREATE.

The restore statement is PostgreSQL's own definition (``pg_get_indexdef``, read with a
``pg_catalog``-only search path so every name outside it is qualified, and with every name
quoted so that pglast's newer grammar cannot take a column for a keyword), parsed with pglast,
with the ``CONCURRENTLY`` and ``IF NOT EXISTS`` flags set on the parsed ``IndexStmt`` and its
tablespace put back (``pg_get_indexdef`` leaves it out), then printed again: no text surgery on
the definition. An index on a partitioned table is dropped without CONCURRENTLY (PostgreSQL
has none there) and restored partition by partition (``advisor.db.partitioned``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pglast import ast

from advisor.db import ddl, partitioned
from advisor.parse import syntax
from advisor.parse.syntax import Unparsable
from advisor.review.facts import IndexFacts


class RestoreError(Exception):
    """The definition could not be turned into a restore statement; the message says why."""


def restore_sql(index: IndexFacts, below: Sequence[IndexFacts] = ()) -> str:
    """``CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS ...``: the index exactly as it is.

    An index on a partitioned table comes back as the steps that never block writes (``ON
    ONLY``, each partition CONCURRENTLY under the name its index has now, ``ATTACH``), given
    ``below``: the indexes attached below it today. Partition indexes' own tablespaces are
    not kept.
    """
    if index.kind == "I":
        return ";\n".join(_partitioned_steps(index, below))
    try:
        statements = syntax.parse(index.parsable_definition)
    except Unparsable as exc:
        raise RestoreError(f"cannot parse its definition: {exc.reason}") from None
    if len(statements) != 1 or not isinstance(statements[0].stmt, ast.IndexStmt):
        raise RestoreError("its definition is not a single CREATE INDEX statement")
    statement = statements[0].stmt
    statement.concurrent = True
    statement.if_not_exists = True
    if index.tablespace:
        statement.tableSpace = index.tablespace
    try:
        return syntax.deparse(statement)
    except Unparsable as exc:
        raise RestoreError(f"cannot print its definition again: {exc.reason}") from None


def _partitioned_steps(index: IndexFacts, below: Sequence[IndexFacts]) -> tuple[str, ...]:
    children: dict[int, list[IndexFacts]] = {}
    for facts in below:
        if facts.parent_oid is not None:
            children.setdefault(facts.parent_oid, []).append(facts)

    def node(facts: IndexFacts) -> partitioned.PartitionNode:
        kids = sorted(children.get(facts.oid, ()), key=lambda f: (f.table.schema, f.table.name))
        kind = "p" if facts.kind == "I" else "r"
        return partitioned.PartitionNode(facts.table, kind, tuple(node(k) for k in kids))

    try:
        template = partitioned.Template(index.parsable_definition)
    except partitioned.TemplateError as exc:
        raise RestoreError(f"its definition: {exc}") from None
    names = {facts.table: facts.name for facts in below}
    build = partitioned.plan(
        template, node(index), index.name, partitioned.name_source(lambda _schema: set(), names)
    )
    return tuple(step.sql for step in build.steps)


def drop_sql(index: IndexFacts) -> str:
    """``DROP INDEX CONCURRENTLY IF EXISTS schema.name`` (an index lives in its table's schema).

    An index on a partitioned table cannot be dropped CONCURRENTLY: ``DROP INDEX IF EXISTS``,
    which drops the indexes attached below it too.
    """
    partitioned_index = index.kind == "I"
    return ddl.drop_index(
        index.table.schema, index.name, concurrently=not partitioned_index, if_exists=True
    ).as_string(None)
