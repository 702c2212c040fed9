"""How many rows each table's writes touch, over the window of the reads, bulk loads set apart.

The reads are pg_stat_statements' figures since its reset; an index's upkeep is priced over the
same window. The table counters (``pg_stat_user_tables``: n_tup_ins, n_tup_upd, n_tup_hot_upd,
n_tup_del) may cover a different span, and a bulk load inside it is an event, not a rate. The
counts come from, best first:

1. **Snapshot deltas.** When the snapshot store holds snapshots of this database (``advisor
   snapshot``), the series runs from the last snapshot at or before the start of the reads'
   window (else the first one after it) to now; each period between two points is one step.
   A counter that went down (a statistics reset) counts from the reset.
2. **Cumulative counters**, since the statistics reset: one period, split in two at the table's
   last vacuum (``n_ins_since_vacuum`` counts the inserts after it) or at its last analyze
   (``n_mod_since_analyze`` bounds them), whichever shows a bulk load.

**Bulk loads.** A period is a bulk load when it is short (at most ``BURST_SPAN`` of the series),
its insert rate is at least ``BURST_FACTOR`` times the rate of the rest of the series, and the
rows above that rate are at least ``MIN_BULK_ROWS``. Those rows are not extrapolated into a rate
(unless ``--count-bulk-writes``): a table loaded once 30 minutes ago does not get millions of
inserts a week. Two or more such periods in one series are recurring batches, and count.
Updates and deletes always count.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from advisor.model import COUNTERS, SNAPSHOTS, Table, TableRef, TableWrites
from advisor.report.fmt import span

BURST_SPAN = 0.25  # share of the series a bulk load's period may take at most
BURST_FACTOR = 10.0  # its insert rate against the rest of the series
MIN_BULK_ROWS = 10_000


class Counted(Protocol):
    """A table now (``Table``) or in a snapshot (``TableRow``): its pg_stat_user_tables counters."""

    @property
    def n_tup_ins(self) -> int: ...
    @property
    def n_tup_upd(self) -> int: ...
    @property
    def n_tup_hot_upd(self) -> int: ...
    @property
    def n_tup_del(self) -> int: ...


@dataclass(frozen=True)
class Counters:
    """Cumulative write counters of one table at one moment."""

    inserted: float
    updated: float
    hot_updated: float
    deleted: float

    @classmethod
    def of(cls, table: Counted) -> Counters:
        return cls(table.n_tup_ins, table.n_tup_upd, table.n_tup_hot_upd, table.n_tup_del)

    def since(self, older: Counters) -> Counters:
        """The increase from ``older``; a counter that went down restarted: its value alone."""
        if any(
            new < old
            for new, old in zip(
                (self.inserted, self.updated, self.hot_updated, self.deleted),
                (older.inserted, older.updated, older.hot_updated, older.deleted),
                strict=True,
            )
        ):
            return self
        return Counters(
            self.inserted - older.inserted,
            self.updated - older.updated,
            self.hot_updated - older.hot_updated,
            self.deleted - older.deleted,
        )


@dataclass(frozen=True)
class Period:
    seconds: float
    inserted: float


NOTHING = TableWrites(0.0, 0.0, 0.0, 0.0, 0.0)


def bulk_load(periods: Sequence[Period]) -> tuple[float, int | None]:
    """Rows of a one-off bulk load in the series, and the index of its period (or 0, None)."""
    span = sum(p.seconds for p in periods)
    total = sum(p.inserted for p in periods)
    if span <= 0 or len(periods) < 2:
        return 0.0, None
    bursts: list[tuple[float, int]] = []
    for n, period in enumerate(periods):
        rest_seconds = span - period.seconds
        if period.seconds > BURST_SPAN * span or rest_seconds <= 0:
            continue
        rest_rate = (total - period.inserted) / rest_seconds
        expected = rest_rate * period.seconds
        excess = period.inserted - expected
        if excess >= MIN_BULK_ROWS and period.inserted >= BURST_FACTOR * max(expected, 1.0):
            bursts.append((excess, n))
    if len(bursts) != 1:  # none, or recurring batches
        return 0.0, None
    return bursts[0]


def estimate(
    counters: Counters,
    periods: Sequence[Period],
    *,
    seconds: float,
    ended_ago: Sequence[float],
    source: str,
    count_bulk: bool,
) -> TableWrites:
    """The writes of a table over ``seconds``, from its counts and their series of periods.

    ``ended_ago[i]``: how long ago period ``i`` ended.
    """
    if seconds <= 0:
        return NOTHING
    bulk, which = bulk_load(periods)
    writes = TableWrites(
        seconds=seconds,
        inserted=counters.inserted - bulk,
        non_hot_updated=max(counters.updated - counters.hot_updated, 0.0),
        hot_updated=counters.hot_updated,
        deleted=counters.deleted,
        bulk_inserted=bulk,
        bulk_ago_seconds=None if which is None else ended_ago[which],
        source=source,
    )
    if count_bulk and bulk:
        writes = replace(writes, inserted=counters.inserted, bulk_counted=True)
    return writes


def from_counters(table: Table, *, seconds: float | None, count_bulk: bool) -> TableWrites:
    """The table's cumulative counters over ``seconds`` (the age of the table statistics), split
    at its last vacuum (``n_ins_since_vacuum`` inserts after it) or at its last analyze
    (``n_mod_since_analyze`` changes after it, inserts at most): whichever shows a bulk load
    (an autovacuum a few seconds after a load's own VACUUM ANALYZE moves only one of them)."""
    if not seconds or seconds <= 0:
        return NOTHING
    counters = Counters.of(table)
    best = estimate(
        counters, [Period(seconds, counters.inserted)], seconds=seconds, ended_ago=[0.0],
        source=COUNTERS, count_bulk=count_bulk,
    )  # fmt: skip
    for split, after in (
        (table.vacuum_age_s, table.n_ins_since_vacuum),
        (table.analyze_age_s, table.n_mod_since_analyze),
    ):
        if split is None or not 0 < split < seconds:
            continue
        later = min(float(after), counters.inserted)
        periods = [Period(seconds - split, counters.inserted - later), Period(split, later)]
        found = estimate(
            counters, periods, seconds=seconds, ended_ago=[split, 0.0], source=COUNTERS,
            count_bulk=count_bulk,
        )  # fmt: skip
        if found.bulk_inserted > best.bulk_inserted:
            best = found
    return best


def from_series(
    points: Sequence[tuple[float, Counters]], now: Counters, *, count_bulk: bool
) -> TableWrites:
    """Snapshot deltas: ``points`` are (seconds ago, counters) of stored snapshots, oldest
    first; ``now`` the counters read now."""
    if not points or points[0][0] <= 0:
        return NOTHING
    series = [*points, (0.0, now)]
    periods: list[Period] = []
    ended: list[float] = []
    total = Counters(0.0, 0.0, 0.0, 0.0)
    for (older_ago, older), (newer_ago, newer) in itertools.pairwise(series):
        step = newer.since(older)
        periods.append(Period(older_ago - newer_ago, step.inserted))
        ended.append(newer_ago)
        total = Counters(
            total.inserted + step.inserted,
            total.updated + step.updated,
            total.hot_updated + step.hot_updated,
            total.deleted + step.deleted,
        )
    return estimate(
        total, periods, seconds=points[0][0], ended_ago=ended, source=SNAPSHOTS,
        count_bulk=count_bulk,
    )  # fmt: skip


def for_tables(
    tables: Mapping[TableRef, Table],
    series: Sequence[tuple[float, Mapping[int, Counted]]],
    *,
    table_stats_age_s: float | None,
    count_bulk: bool,
) -> dict[TableRef, TableWrites]:
    """Every table's writes: from the snapshot series where it is in it, else its counters.

    ``series``: (seconds ago, the tables' counters by oid) of each stored snapshot, oldest first.
    """
    out = {}
    for ref, table in tables.items():
        points = [(ago, Counters.of(rows[table.oid])) for ago, rows in series if table.oid in rows]
        if points:
            out[ref] = from_series(points, Counters.of(table), count_bulk=count_bulk)
        else:
            out[ref] = from_counters(table, seconds=table_stats_age_s, count_bulk=count_bulk)
    return out


def describe_bulk(table: str, writes: TableWrites) -> str | None:
    """The report's sentence about a bulk load, or None when there was none."""
    if not writes.bulk_inserted:
        return None
    rows = _count(writes.bulk_inserted)
    when = "" if writes.bulk_ago_seconds is None else f", {span(writes.bulk_ago_seconds)} ago"
    if writes.bulk_counted:
        return (
            f"{table}: {rows} rows loaded in one batch{when} are counted as a steady write rate "
            "(--count-bulk-writes)"
        )
    return (
        f"{table}: {rows} rows loaded in one batch{when} are not counted as a weekly rate; "
        "use --count-bulk-writes"
    )


def _count(n: float) -> str:
    for limit, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= limit:
            return f"{n / limit:.1f} {unit}".replace(".0 ", " ")
    return f"{n:.0f}"
