"""Does an index serve the lookups a foreign key makes on its referencing columns?

When a referenced row is deleted or its key updated, PostgreSQL looks up the referencing rows by
the foreign key columns; without an index whose leading keys are those columns (in any order)
that is a sequential scan of the referencing table per row, under lock.

The index review (``advisor/review/``, check ``fk_without_index``) asks the same question; the
two should share this function once both exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from advisor.model import ExistingIndex


def serves_foreign_key(index: ExistingIndex, columns: tuple[str, ...]) -> bool:
    """A valid, non-partial B-tree (or single-column hash) index led by exactly these columns."""
    if not index.is_valid or index.predicate is not None or not columns:
        return False
    if index.method == "hash":
        return len(columns) == 1 and index.keys[:1] == columns
    if index.method != "btree":
        return False
    return set(index.keys[: len(columns)]) == set(columns) and len(index.keys) >= len(columns)


def covering_index(
    columns: tuple[str, ...], indexes: Iterable[ExistingIndex]
) -> ExistingIndex | None:
    return next((i for i in indexes if serves_foreign_key(i, columns)), None)
