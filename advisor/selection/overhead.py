"""What an index costs the writes of its table.

Every INSERT adds an entry to every index of the table, every non-HOT UPDATE too, and every DELETE
leaves an entry for vacuum to remove. We read the table's write counters (``pg_stat_user_tables``
n_tup_ins/upd/del/hot_upd since the statistics reset), turn them into a rate, and price one index
entry at ``ROW_WRITE_MS`` milliseconds times ``--write-weight``. The result is expressed over the
same period as the statements' measured time, so it can be subtracted from an index's benefit.

An index on a column the workload UPDATEs makes those updates non-HOT: each of them then writes an
entry into every index of the table, not only this one. Such candidates are flagged.

A partitioned table has no writes of its own: an index on it costs what the index it puts on
each leaf partition costs, at that leaf's write rate (``combined``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from advisor.model import IndexSpec, Table

ROW_WRITE_MS = 0.01  # one B-tree entry: about 10 microseconds of CPU, WAL and buffer work


@dataclass(frozen=True)
class WriteCost:
    ms: float  # over the workload's observation period
    writes_per_second: float
    breaks_hot: bool


def write_cost(
    spec: IndexSpec,
    table: Table,
    *,
    updated_columns: frozenset[str],
    index_count: int,
    table_stats_age_s: float | None,
    period_s: float | None,
    weight: float,
) -> WriteCost:
    if not table_stats_age_s or table_stats_age_s <= 0 or not period_s:
        return WriteCost(0.0, 0.0, False)
    non_hot = max(table.n_tup_upd - table.n_tup_hot_upd, 0)
    entries = table.n_tup_ins + non_hot + table.n_tup_del
    keys = {k.text for k in spec.keys if not k.expression} | set(spec.include)
    expression_cols = any(k.expression for k in spec.keys)
    breaks_hot = bool(updated_columns & keys) or (expression_cols and bool(updated_columns))
    if breaks_hot:
        # today's HOT updates would write into this index and every existing one
        entries += table.n_tup_hot_upd * (index_count + 1)
    rate = entries / table_stats_age_s
    return WriteCost(rate * period_s * ROW_WRITE_MS * weight, rate, breaks_hot)


def combined(costs: Iterable[WriteCost]) -> WriteCost:
    """The write cost of an index on a partitioned table: the sum over its leaf partitions."""
    parts = list(costs)
    return WriteCost(
        sum(c.ms for c in parts),
        sum(c.writes_per_second for c in parts),
        any(c.breaks_hot for c in parts),
    )
