"""The weekly report as frozen values: what the renderers (markdown, html, json) draw from.

Times are epoch seconds, durations milliseconds, sizes bytes. ``None`` means "not known" (no
previous period, no measurement yet), never zero.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from advisor.apply.model import TakenBack
from advisor.model import Recommendation
from advisor.window import Window


class Change(enum.StrEnum):
    """How a statement's mean time compares with the previous period."""

    NEW = "new"  # no calls in the previous period
    SLOWER = "slower"  # mean time up by more than the threshold
    FASTER = "faster"  # mean time down by more than the threshold
    SAME = "same"
    UNKNOWN = "n/a"  # no previous period stored


@dataclass(frozen=True)
class StatementLine:
    """One statement's figures this period (queryids merged by fingerprint)."""

    queryid: int
    queryids: tuple[int, ...]
    query: str
    calls: int
    total_exec_ms: float
    mean_exec_ms: float
    rows: int
    shared_blks_read: int
    previous_calls: int | None
    previous_mean_ms: float | None
    change: Change
    change_pct: float | None  # mean time, percent vs the previous period


@dataclass(frozen=True)
class TableGrowth:
    schema: str
    name: str
    bytes_before: int
    bytes_after: int
    growth_bytes: int
    rows_before: int
    rows_after: int
    inserted: int
    updated: int
    deleted: int
    seq_scans: int
    idx_scans: int
    heap_growth: int = 0
    index_growth: int = 0
    toast_growth: int = 0
    new_indexes: tuple[str, ...] = ()  # indexes created on it during the period

    def parts(self) -> str:
        """``heap +20.1 MB, indexes +30.0 MB (new: t_a_idx), TOAST +0 B``."""
        from advisor.report.fmt import size

        def signed(n: int) -> str:
            return ("+" if n >= 0 else "") + size(n)

        new = f" (new: {', '.join(self.new_indexes)})" if self.new_indexes else ""
        return (
            f"heap {signed(self.heap_growth)}, indexes {signed(self.index_growth)}{new}, "
            f"TOAST {signed(self.toast_growth)}"
        )


@dataclass(frozen=True)
class TableSize:
    schema: str
    name: str
    heap_bytes: int
    index_bytes: int
    toast_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.heap_bytes + self.index_bytes + self.toast_bytes


@dataclass(frozen=True)
class UnusedIndex:
    """An index the review proposes to drop (unused, duplicate, redundant or invalid), with the
    verdict's reason; the same verdict ``analyze`` and ``table`` give."""

    schema: str
    table: str
    name: str
    size_bytes: int
    definition: str
    drop_sql: str
    scans_ever: int  # cumulative scans since the statistics reset
    kind: str = "unused"  # the review's finding: unused, duplicate, redundant, invalid
    detail: str = ""
    safe: bool | None = None  # no workload plan reads it; None: not checked against plans
    period_scans: int | None = None  # scans during the report's period, when measured


@dataclass(frozen=True)
class StatisticsFix:
    """Column statistics that a unique index proves wrong (``review.distinct``), with the
    statements that repair and restore them: the finding ``analyze`` gives."""

    schema: str
    table: str
    index: str | None  # the unique index that proves it
    kind: str
    detail: str
    fix_sql: str
    restore_sql: str | None


@dataclass(frozen=True)
class Effect:
    """A statement's mean time before and after an index appeared."""

    queryid: int
    query: str
    calls_before: int
    mean_before_ms: float
    calls_after: int
    mean_after_ms: float

    @property
    def change_pct(self) -> float:
        if self.mean_before_ms <= 0:
            return 0.0
        return (self.mean_after_ms / self.mean_before_ms - 1.0) * 100.0


@dataclass(frozen=True)
class AppliedIndex:
    """An index that appeared during the period, with the measured effect on its statements."""

    schema: str
    table: str
    name: str
    definition: str
    size_bytes: int
    appeared_after: float  # last snapshot without it
    appeared_by: float  # first snapshot with it
    recommended_at: float | None  # when a report recommended it, if one did
    scans: int  # scans since it was built (pg_stat_user_indexes at the newest snapshot)
    effects: tuple[Effect, ...]
    note: str | None = None  # why there is no measurement
    origin: str | None = None  # the recommendation or apply it came from, if one matches


@dataclass(frozen=True)
class TrendPoint:
    """One period of the stored history: workload totals and the database size at its end."""

    start: float
    end: float
    calls: int
    total_exec_ms: float
    database_size: int
    window: Window | None = None  # what the recommendations' savings were measured over


@dataclass(frozen=True)
class WeeklyReport:
    database: str
    system_id: str
    server_version: str
    generated_at: float
    period_start: float | None  # None: only one snapshot, figures since the statistics reset
    period_end: float
    previous_start: float | None
    since_seconds: float
    statements: tuple[StatementLine, ...]  # every statement of the period, most total time first
    top_total: tuple[StatementLine, ...]
    top_mean: tuple[StatementLine, ...]
    top_calls: tuple[StatementLine, ...]
    regressions: tuple[StatementLine, ...]  # slower than the previous period, worst first
    growth: tuple[TableGrowth, ...]
    sizes: tuple[TableSize, ...]
    unused_indexes: tuple[UnusedIndex, ...]
    applied: tuple[AppliedIndex, ...]
    trend: tuple[TrendPoint, ...]
    recommendations: tuple[Recommendation, ...]
    advice_note: str | None  # why there are no recommendations (not asked, not possible)
    notes: tuple[str, ...]  # resets and other caveats the reader must know
    total_calls: int
    total_exec_ms: float
    database_size: int
    window: Window | None = None  # what the recommendations' savings were measured over
    statistics_fixes: tuple[StatisticsFix, ...] = ()  # statistics a unique index proves wrong
    # indexes apply --validate built and dropped again (analyze does not advise them again)
    taken_back: tuple[TakenBack, ...] = ()
