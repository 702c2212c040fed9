"""What an index costs the writes of its table.

Every INSERT or COPY adds an entry to every index of the table, so does every UPDATE that is not
HOT, and every DELETE leaves an entry that VACUUM removes later. What one entry costs was measured
on a real cluster with production durability (``python -m benchmarks.writes.run``; the method and
the figures are in docs/benchmarks.md, section "Write costs"): server CPU time with and without
indexes on tables of several key types, divided by the entries written. The model:

    entry_us = (ENTRY_US[write] + PER_BYTE_US[write] x key width) x locality
               (+ FIRST_INDEX_US[write] for a table that has no index yet)

``locality`` is 1 for keys that land anywhere in the index and ``ORDERED[write]`` for keys that
rise with the table's physical order (a serial id, an insertion timestamp: every insert goes to
the same rightmost leaf page, which stays in cache), interpolated by ``|correlation|`` of the
leading key from pg_stats. The key width counts INCLUDE columns too: they are stored in the leaf
tuple. The first index of a table costs its deletes more than the next ones: VACUUM of a table
without an index prunes the heap in one pass, with one it needs a second. The figures are the
server backend's CPU time; writing the dirtied pages out later (checkpoints) is not in them.

How many rows are written comes from ``advisor.selection.rates`` (the same window as the reads,
bulk loads set apart). The cost is expressed over the reads' window, times ``--write-weight``, so
that it can be subtracted from an index's benefit. An index on a column the workload UPDATEs makes
those updates non-HOT: each of them then writes an entry into every index of the table, not only
this one. Such candidates are flagged.

A partitioned table has no writes of its own: an index on it costs what the index it puts on
each leaf partition costs, at that leaf's write rate (``combined``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from advisor.model import IndexSpec, Table, TableWrites
from advisor.whatif.size import EXPRESSION_WIDTH, column_width


class Write(enum.Enum):
    INSERT = "insert"  # INSERT and COPY: a new entry
    UPDATE = "update"  # an UPDATE that is not HOT: a new entry for the new row version
    DELETE = "delete"  # the entry VACUUM removes after a DELETE (or after a non-HOT UPDATE)


# Microseconds of server CPU per index entry, by benchmarks/writes (PostgreSQL 15, x86_64).
ENTRY_US = {Write.INSERT: 2.3, Write.UPDATE: 2.4, Write.DELETE: 0.07}
PER_BYTE_US = {Write.INSERT: 0.03, Write.UPDATE: 0.02, Write.DELETE: 0.0}
ORDERED = {Write.INSERT: 0.2, Write.UPDATE: 0.47, Write.DELETE: 1.0}  # locality of ordered keys
FIRST_INDEX_US = {Write.INSERT: 0.0, Write.UPDATE: 0.0, Write.DELETE: 0.35}


def entry_us(write: Write, *, width: float, ordered: float, first: bool = False) -> float:
    """Microseconds one index entry costs; ``ordered`` is |correlation| of the leading key,
    ``first`` whether the index would be the table's first."""
    locality = 1.0 - (1.0 - ORDERED[write]) * min(max(ordered, 0.0), 1.0)
    extra = FIRST_INDEX_US[write] if first else 0.0
    return (ENTRY_US[write] + PER_BYTE_US[write] * width) * locality + extra


@dataclass(frozen=True)
class WriteCost:
    ms: float  # over the workload's observation period
    writes_per_second: float  # index entries per second this index would add
    breaks_hot: bool


def key_width(spec: IndexSpec, table: Table) -> float:
    """Bytes of key and INCLUDE columns in one leaf tuple."""
    keys = sum(
        EXPRESSION_WIDTH if key.expression else column_width(table, key.text) for key in spec.keys
    )
    return keys + sum(column_width(table, name) for name in spec.include)


def _ordered(spec: IndexSpec, table: Table) -> float:
    lead = spec.keys[0]
    column = None if lead.expression else table.column(lead.text)
    if column is None or column.correlation is None:
        return 0.0
    return abs(column.correlation)


def write_cost(
    spec: IndexSpec,
    table: Table,
    writes: TableWrites,
    *,
    updated_columns: frozenset[str],
    index_count: int,
    period_s: float | None,
    weight: float,
) -> WriteCost:
    """The upkeep of ``spec`` over ``period_s`` seconds at the table's write rates."""
    if not period_s or writes.seconds <= 0:
        return WriteCost(0.0, 0.0, False)
    keys = {k.text for k in spec.keys if not k.expression} | set(spec.include)
    expression_cols = any(k.expression for k in spec.keys)
    breaks_hot = bool(updated_columns & keys) or (expression_cols and bool(updated_columns))
    width = key_width(spec, table)
    ordered = _ordered(spec, table)
    updates = writes.non_hot_updated
    extra_updates = 0.0
    if breaks_hot:
        # today's HOT updates would write into this index and every existing one
        updates += writes.hot_updated
        extra_updates = writes.hot_updated * index_count
    entries = writes.inserted + updates + writes.deleted + extra_updates
    removed = writes.deleted + updates  # a non-HOT update leaves the old entry to VACUUM
    first = index_count == 0
    us = (
        writes.inserted * entry_us(Write.INSERT, width=width, ordered=ordered)
        + updates * entry_us(Write.UPDATE, width=width, ordered=ordered)
        + extra_updates * (ENTRY_US[Write.UPDATE] + ENTRY_US[Write.DELETE])
        + removed * entry_us(Write.DELETE, width=width, ordered=ordered, first=first)
    )
    scale = period_s / writes.seconds
    return WriteCost(us / 1000.0 * scale * weight, entries / writes.seconds, breaks_hot)


def combined(costs: Iterable[WriteCost]) -> WriteCost:
    """The write cost of an index on a partitioned table: the sum over its leaf partitions."""
    parts = list(costs)
    return WriteCost(
        sum(c.ms for c in parts),
        sum(c.writes_per_second for c in parts),
        any(c.breaks_hot for c in parts),
    )
