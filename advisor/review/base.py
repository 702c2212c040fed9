"""What a review check is given, what it proposes, and how a check is registered.

A check reads the ``Context`` and returns ``Proposal``s: a finding, the index it would drop (if
any) and the indexes its reasoning needs to stay (a duplicate needs its twin, a redundant index
one of the indexes that cover it). Whether a drop is finally proposed is decided once, over all
proposals together (``advisor.review.resolve``), so that two findings never take away the last
index a third one relies on.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from advisor.catalog.names import IndexNames
from advisor.model import Finding
from advisor.review.facts import ForeignKey, IndexFacts


@dataclass(frozen=True)
class Context:
    indexes: tuple[IndexFacts, ...]
    foreign_keys: tuple[ForeignKey, ...]
    stats_age_seconds: float | None
    min_stats_age_seconds: float
    replica_scans: Mapping[int, int] | None
    names: IndexNames  # the naming authority for new indexes

    @functools.cached_property
    def _by_table(self) -> dict[int, tuple[IndexFacts, ...]]:
        grouped: dict[int, list[IndexFacts]] = {}
        for index in self.indexes:
            grouped.setdefault(index.table_oid, []).append(index)
        return {oid: tuple(group) for oid, group in grouped.items()}

    def on_table(self, table_oid: int) -> tuple[IndexFacts, ...]:
        return self._by_table.get(table_oid, ())

    def scans(self, index: IndexFacts) -> int:
        """Scans counted on the primary plus every replica that was asked (an index on a
        partitioned table: those of its leaf indexes)."""
        if not self.replica_scans:
            return index.scans
        return index.scans + sum(
            self.replica_scans.get(oid, 0) for oid in (index.leaf_oids or (index.oid,))
        )

    @functools.cached_property
    def _by_oid(self) -> dict[int, IndexFacts]:
        return {index.oid: index for index in self.indexes}

    def leaf_names(self, index: IndexFacts) -> tuple[str, ...]:
        """The leaf indexes below an index on a partitioned table: plans name those."""
        return tuple(self._by_oid[o].name for o in index.leaf_oids if o in self._by_oid)

    def attached_below(self, index: IndexFacts) -> tuple[IndexFacts, ...]:
        """Every index attached below ``index``, at any depth (none unless it is partitioned)."""
        found: list[IndexFacts] = []
        level = [index.oid]
        while level:
            below = [i for i in self.indexes if i.parent_oid in level]
            found += below
            level = [i.oid for i in below]
        return tuple(found)


@dataclass(frozen=True)
class Proposal:
    finding: Finding
    drop: IndexFacts | None = None
    keep_one_of: tuple[IndexFacts, ...] = ()  # the reasoning holds while one of these stays


@dataclass(frozen=True)
class DropEffect:
    """A workload statement's planner cost with the index, and with it hidden (HypoPG 1.4+)."""

    statement: str
    cost_before: float
    cost_after: float


@dataclass(frozen=True)
class Check:
    """One kind of finding: its name in the report and the function that looks for it.

    The function's docstring is the documentation the report reader gets for the kind.
    """

    kind: str
    run: Callable[[Context], Iterable[Proposal]]

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.run) or ""


def covers(wide: IndexFacts, narrow: IndexFacts) -> bool:
    """True when ``wide`` can do what ``narrow`` does: a B-tree whose keys start with narrow's.

    Same table and method (B-tree only: a prefix of a GiST, GIN or BRIN index is not the same
    access path), narrow's keys a leading prefix of wide's keys with the same operator classes,
    collations and orderings, narrow's INCLUDE columns all stored in wide, and wide's predicate
    absent or the same as narrow's (wide then holds every row narrow holds). Identical indexes are
    duplicates, not covers.
    """
    if wide.oid == narrow.oid or wide.table_oid != narrow.table_oid:
        return False
    if wide.method != "btree" or narrow.method != "btree":
        return False
    if not (wide.is_valid and narrow.is_valid) or wide.identity == narrow.identity:
        return False
    if wide.key_shapes[: narrow.n_keys] != narrow.key_shapes:
        return False
    if not narrow.include_attnums <= frozenset(wide.attnums):
        return False
    return wide.predicate_tree is None or wide.predicate_tree == narrow.predicate_tree


def age_text(seconds: float) -> str:
    """``3 days``, ``5 hours``, ``42 minutes``."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{int(seconds)} seconds"


def names(indexes: Iterable[IndexFacts]) -> str:
    return ", ".join(i.name for i in indexes)
