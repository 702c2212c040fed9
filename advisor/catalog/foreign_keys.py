"""Foreign keys, and the one answer to "does this index serve the lookups a foreign key makes?".

When a referenced row is deleted or its key updated, PostgreSQL looks up the referencing rows
with equality on every foreign key column: without an index whose leading keys are those
columns (in any order) that is a scan of the referencing table per row, under lock. The index
review (``fk_without_index``, and the protection of the last index a foreign key can use), the
lint rule and the migration check all ask ``serves``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

from advisor.catalog.rows import read
from advisor.model import ExistingIndex, TableRef


def serves(index: ExistingIndex, columns: tuple[str, ...]) -> bool:
    """True when the index can find the referencing rows of one referenced key.

    A valid B-tree whose leading key columns are exactly ``columns``, in any order, serves them,
    as does a hash index on the single column. Partial indexes are not counted (their predicate
    may not hold for the rows looked up).
    """
    if not index.is_valid or index.predicate is not None or not columns:
        return False
    if index.method == "hash":
        return len(columns) == 1 and index.leading_columns(1) == frozenset(columns)
    return index.method == "btree" and index.leading_columns(len(columns)) == frozenset(columns)


def covering_index(
    columns: tuple[str, ...], indexes: Iterable[ExistingIndex]
) -> ExistingIndex | None:
    """The first of ``indexes`` that serves a foreign key on ``columns``, or None."""
    return next((i for i in indexes if serves(i, columns)), None)


@dataclass(frozen=True)
class ForeignKey:
    oid: int
    name: str
    table: TableRef
    table_oid: int
    table_kind: str
    attnums: tuple[int, ...]
    columns: tuple[str, ...]
    referenced: TableRef

    def served_by(self, index: ExistingIndex) -> bool:
        return index.table == self.table and serves(index, self.columns)


def read_foreign_keys(
    conn: psycopg.Connection[Any], *, table_oid: int | None = None
) -> tuple[ForeignKey, ...]:
    """Foreign keys declared on user tables (or on one table), constraints cloned onto
    partitions left out: the parent's constraint stands for them."""
    return read(
        conn,
        "catalog_foreign_keys",
        ForeignKey,
        {"table_oid": table_oid},
        table=("schema", "table_name"),
        referenced=("referenced_schema", "referenced_table"),
    )
