"""Everything ``advisor table NAME`` shows about one table, as frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from advisor.model import (
    ExistingIndex,
    PlanRisk,
    Recommendation,
    Statement,
    TableRef,
    TimeVsCost,
)
from advisor.window import Window


@dataclass(frozen=True)
class Sizes:
    heap_bytes: int
    index_bytes: int
    toast_bytes: int
    exact: bool  # False: estimated from relpages because the table is locked

    @property
    def total_bytes(self) -> int:
        return self.heap_bytes + self.index_bytes + self.toast_bytes


@dataclass(frozen=True)
class TableStats:
    """Row estimates, vacuum and analyze history, and access counters since the stats reset."""

    kind: str  # pg_class.relkind
    reltuples: float
    live_rows: int | None
    dead_rows: int | None
    modified_since_analyze: int | None
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    last_analyze: datetime | None
    last_autoanalyze: datetime | None
    vacuum_count: int
    autovacuum_count: int
    analyze_count: int
    autoanalyze_count: int
    seq_scans: int
    seq_rows_read: int
    index_scans: int
    index_rows_fetched: int
    inserted: int
    updated: int
    deleted: int
    hot_updated: int
    stats_reset: datetime | None

    @property
    def hot_ratio(self) -> float | None:
        """Share of updates that were HOT (no index touched); None without updates."""
        return self.hot_updated / self.updated if self.updated else None

    @property
    def dead_ratio(self) -> float | None:
        if self.live_rows is None or self.dead_rows is None:
            return None
        total = self.live_rows + self.dead_rows
        return self.dead_rows / total if total else None

    @property
    def index_scan_ratio(self) -> float | None:
        total = self.seq_scans + self.index_scans
        return self.index_scans / total if total else None


@dataclass(frozen=True)
class IndexInfo:
    """An index of the table and the review's verdict on it (``advisor.review``)."""

    index: ExistingIndex
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnInfo:
    """A column, its type, and what the planner knows of it (``pg_stats``; None before the
    first ANALYZE, or for a column the role may not read)."""

    name: str
    type: str
    not_null: bool
    null_frac: float | None
    n_distinct: float | None  # pg_stats: > 0 a count, < 0 minus a fraction of the rows
    correlation: float | None
    avg_width: int | None
    leads: tuple[str, ...] = ()  # the indexes whose first key is this column

    def distinct_estimate(self, rows: float) -> float | None:
        """Distinct values as a count: pg_stats' negative fractions times the row estimate."""
        if self.n_distinct is None:
            return None
        return self.n_distinct if self.n_distinct >= 0 else -self.n_distinct * max(rows, 0.0)


@dataclass(frozen=True)
class LockInfo:
    """A lock on the table or one of its indexes, held or awaited by another session."""

    pid: int
    relation: str
    mode: str
    granted: bool
    username: str | None
    application: str | None
    state: str | None
    wait_event: str | None
    transaction_seconds: float | None
    query_seconds: float | None
    query: str | None
    blocked_by: tuple[int, ...]


@dataclass(frozen=True)
class TouchingStatement:
    """A workload statement that reads or writes the table, and what the advisor says of it."""

    statement: Statement
    advice: tuple[str, ...]  # names of the recommended indexes that serve it
    reason: str | None  # why it got no advice, when analysed
    time_vs_cost: TimeVsCost | None = None  # far slower than its plan cost predicts
    plan_risk: PlanRisk | None = None  # a nested loop whose cost rests on a guessed row count


@dataclass(frozen=True)
class TableView:
    ref: TableRef
    stats: TableStats
    sizes: Sizes
    indexes: tuple[IndexInfo, ...]
    locks: tuple[LockInfo, ...]
    statements: tuple[TouchingStatement, ...]
    recommendations: tuple[Recommendation, ...]
    advice_note: str | None  # why there are no recommendations (not asked, not possible)
    notes: tuple[str, ...] = ()
    columns: tuple[ColumnInfo, ...] = ()
    window: Window | None = None  # what the recommendations' savings cover
