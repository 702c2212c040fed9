"""What binds an index so that the review never proposes dropping it.

The facts themselves (structure, constraints, replica identity, partitioning) are read once by
the catalog layer (``advisor.catalog.indexes``, ``advisor.catalog.foreign_keys``); this module
says which of them protect an index. An index on a partitioned table is reviewed as one index:
its size and scans are the sums over the leaf indexes attached below it, which are never
proposed on their own.
"""

from __future__ import annotations

from advisor.catalog.foreign_keys import ForeignKey
from advisor.model import ExistingIndex

IndexFacts = ExistingIndex  # the review's name for an index with its structure
__all__ = ["ForeignKey", "IndexFacts", "protection"]


def protection(index: ExistingIndex) -> str | None:
    """Why this index must never be proposed for dropping, or None.

    The foreign-key rule (the only index a foreign key can use) depends on the other indexes and
    is applied when the drops are resolved together.
    """
    if index.is_primary:
        return "it backs the primary key"
    if index.constraints:
        return f"it backs constraint {', '.join(index.constraints)}"
    if index.is_exclusion:
        return "it enforces an exclusion constraint"
    if index.is_replica_identity:
        return "it is the table's replica identity"
    if index.is_unique and index.is_valid:
        return "it is unique: it enforces uniqueness"
    if index.is_partition:
        return "it belongs to a partitioned index: review that one, on the partitioned table"
    if index.extension_member:
        return "it belongs to an extension"
    if index.building:
        return "it is being built or rebuilt right now"
    return None
