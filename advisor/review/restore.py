"""The way out and the way back for an existing index: its DROP and its re-CREATE.

The restore statement is PostgreSQL's own definition (``pg_get_indexdef``, read with a
``pg_catalog``-only search path so every name outside it is qualified), parsed with pglast, with
the ``CONCURRENTLY`` and ``IF NOT EXISTS`` flags set on the parsed ``IndexStmt`` and its
tablespace put back (``pg_get_indexdef`` leaves it out), then printed again: no text surgery on
the definition.
"""

from __future__ import annotations

from pglast import ast

from advisor.db import ddl
from advisor.parse import syntax
from advisor.parse.syntax import Unparsable
from advisor.review.facts import IndexFacts


class RestoreError(Exception):
    """The definition could not be turned into a restore statement; the message says why."""


def restore_sql(index: IndexFacts) -> str:
    """``CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS ...``: the index exactly as it is."""
    try:
        statements = syntax.parse(index.definition)
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


def drop_sql(index: IndexFacts) -> str:
    """``DROP INDEX CONCURRENTLY IF EXISTS schema.name`` (an index lives in its table's schema)."""
    return ddl.drop_index(
        index.table.schema, index.name, concurrently=True, if_exists=True
    ).as_string(None)
