"""The statistics window: the period the workload's measured times cover.

Every figure in time (a statement's total time, the time an index saves) is only as good as the
period it was measured over, so each output states it:

- ``pg_stat_statements``: since ``pg_stat_statements_info.stats_reset`` (PostgreSQL 14+), else
  since the server started (the counters are lost with it).
- ``snapshots``: the period between two stored snapshots (``advisor report``).
- ``log``: the time between the first and the last timestamped log record read.
- ``sampling``: how long ``--sample-activity`` watched the running statements.
- ``queries``: statements given with ``--query`` or ``--queries``: no time was measured.

A per-week figure is an extrapolation: it is given only when the window covers at least a day,
so that a few seconds of statistics are never multiplied into hours a week. Write rates (issue
17) read the same object, so reads and writes are weighed over one period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

WEEK_SECONDS = 7 * 86_400.0
DAY_SECONDS = 86_400.0
BETTER_FIGURES = (
    "for a weekly figure, run `advisor snapshot` on a schedule (daily) and read `advisor report`, "
    "which measures over the stored snapshots, or analyze after pg_stat_statements has counted "
    "for a day or more"
)


@dataclass(frozen=True)
class Window:
    source: str  # pg_stat_statements, snapshots, log, sampling, queries
    seconds: float | None  # None: no time measured (given queries)
    start: datetime | None = None
    basis: str = ""  # how the start was found, for the reader

    @property
    def covers_a_day(self) -> bool:
        return self.seconds is not None and self.seconds >= DAY_SECONDS

    def per_week(self, ms: float | None) -> float | None:
        """``ms`` measured over the window, scaled to a week; None below a day of window."""
        if ms is None or not self.covers_a_day:
            return None
        return self.extrapolated_to_week(ms)

    def extrapolated_to_week(self, ms: float) -> float:
        """``ms`` scaled to a week however short the window (only for JSON's old
        ``write_overhead``; ``per_week`` is the figure to print); ``ms`` without a window."""
        if not self.seconds or self.seconds <= 0:
            return ms
        return ms * WEEK_SECONDS / self.seconds

    def rate_per_second(self, count: float) -> float | None:
        """A count over the window as a rate (for write costs); None without a window."""
        if not self.seconds or self.seconds <= 0:
            return None
        return count / self.seconds

    def describe(self) -> str:
        """``the last 71 s of pg_stat_statements (since 2026-05-01 10:00:00 UTC, its reset)``."""
        if self.seconds is None:
            return f"{self.source}: no time measured"
        since = ""
        if self.start is not None:
            when = self.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            since = f" (since {when}{', ' + self.basis if self.basis else ''})"
        return f"the last {span(self.seconds)} of {self.source}{since}"

    @property
    def start_iso(self) -> str | None:
        return None if self.start is None else self.start.isoformat()


def span(seconds: float) -> str:
    """``71 s``, ``12 min 5 s``, ``5.2 h``, ``3.4 days``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        whole = round(seconds)
        return f"{whole // 60} min {whole % 60} s"
    if seconds < DAY_SECONDS:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / DAY_SECONDS:.1f} days"


def from_epochs(source: str, start: float | None, end: float | None, basis: str) -> Window:
    """A window between two epoch times (log records, snapshots)."""
    if start is None or end is None:
        return Window(source, None, None, basis)
    return Window(source, max(end - start, 0.0), datetime.fromtimestamp(start, UTC), basis)
