"""What is worth knowing about each index of one table, in a sentence for the reader.

- **invalid**: a failed or unfinished ``CREATE INDEX CONCURRENTLY``. The planner ignores it,
  yet every write still maintains it: drop it and create it again.
- **unused**: no scan since the statistics were reset, and it enforces no constraint; it costs
  writes and space for nothing the counters saw (check replicas before dropping).
- **duplicate**: the same method, keys, included columns and predicate as another index.
- **redundant**: a plain B-tree whose keys are the leading keys of another B-tree with the same
  predicate; the longer one serves the same lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from advisor.table_view.model import IndexInfo, TableStats

CHECKS = ("invalid", "unused", "duplicate", "redundant")


def _shape(index: IndexInfo) -> tuple[object, ...]:
    return (index.method, index.keys, index.include, index.predicate)


def _since(stats: TableStats) -> str:
    if stats.stats_reset is None:
        return "since the statistics began"
    return f"since the statistics reset of {stats.stats_reset:%Y-%m-%d}"


def _findings(index: IndexInfo, others: Sequence[IndexInfo], stats: TableStats) -> list[str]:
    found = []
    enforces = index.is_unique or index.is_primary or index.backs_constraint
    if not index.is_valid:
        found.append("invalid: a failed CREATE INDEX CONCURRENTLY; drop it and create it again")
    elif index.scans == 0 and not enforces:
        found.append(f"unused: no scan {_since(stats)}")
    for other in others:
        if other.name == index.name or not other.is_valid:
            continue
        if (
            _shape(other) == _shape(index)
            and not enforces
            and (other.is_unique or other.backs_constraint or other.name < index.name)
        ):
            found.append(f"duplicate: same definition as {other.name}")
            break
        if (
            index.method == other.method == "btree"
            and not enforces
            and index.predicate == other.predicate
            and len(other.keys) > len(index.keys)
            and other.keys[: len(index.keys)] == index.keys
        ):
            found.append(f"redundant: its keys lead {other.name}, which serves the same lookups")
            break
    return found


def index_findings(indexes: Sequence[IndexInfo], stats: TableStats) -> tuple[IndexInfo, ...]:
    """The indexes with their ``findings`` filled in."""
    return tuple(
        replace(index, findings=tuple(_findings(index, indexes, stats))) for index in indexes
    )
