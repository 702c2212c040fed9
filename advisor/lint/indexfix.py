"""The fix that adds an index: ``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` with a free name.

A partitioned table cannot take ``CREATE INDEX CONCURRENTLY``; there the fix is left out and the
detail says how (build on each partition concurrently, then create on the parent and attach).
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from advisor.catalog.names import IndexNames
from advisor.db import ddl
from advisor.lint.catalog import LintCatalog
from advisor.model import IndexSpec

PARTITIONED_NOTE = (
    "; partitioned: build the index on each partition concurrently, then on the parent ONLY "
    "and attach them"
)


def taken_names(catalog: LintCatalog) -> IndexNames:
    """The naming authority over every relation name of the linted database."""
    return IndexNames(taken=catalog.relation_names)


@dataclass(frozen=True)
class IndexFix:
    up: list[sql.Composable] | None  # None on a partitioned table
    down: list[sql.Composable] | None
    note: str  # appended to the finding's detail


def create_index_fix(catalog: LintCatalog, spec: IndexSpec, taken: IndexNames) -> IndexFix:
    """Build the index concurrently; the rollback drops it concurrently."""
    table = catalog.tables.get(spec.table)
    if table is not None and table.kind == "p":
        return IndexFix(None, None, PARTITIONED_NOTE)
    name = taken.name(spec)
    return IndexFix(
        [ddl.create_index(spec, name, concurrently=True, if_not_exists=True)],
        [ddl.drop_index(spec.table.schema, name, concurrently=True, if_exists=True)],
        "",
    )
