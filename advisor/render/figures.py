"""The sentences every output uses for the figures in time, so they read the same everywhere.

``saving`` says what a recommendation saves: per week only when the statistics window covers a
day (``advisor.window``), else what it saved in the window and how to get a weekly figure;
``n/a`` when none of its statements has a measured time.
"""

from __future__ import annotations

from advisor.model import Recommendation, Report
from advisor.report.fmt import ms
from advisor.window import BETTER_FIGURES, Window


def saving(rec: Recommendation, window: Window | None) -> str:
    """``saves about 2.1 h a week``, ``saved 2.9 s in the last 71 s of ...``, or ``n/a``."""
    if not rec.verified:
        return "n/a (not planner-proven)"
    if rec.time_saved_ms is None:
        return "n/a (its statements have no measured time)"
    if rec.time_saved_ms_per_week is not None:
        return f"saves about {ms(rec.time_saved_ms_per_week)} a week"
    where = window.describe() if window is not None else "the statistics window"
    return f"saved {ms(rec.time_saved_ms)} in {where}"


def short_saving(rec: Recommendation) -> str:
    """For a table cell: ``2.1 h/week``, ``2.9 s in window``, ``n/a``."""
    if not rec.verified or rec.time_saved_ms is None:
        return "n/a"
    if rec.time_saved_ms_per_week is not None:
        return f"{ms(rec.time_saved_ms_per_week)}/week"
    return f"{ms(rec.time_saved_ms)} in window"


def window_line(window: Window | None) -> str | None:
    """``Figures cover the last 71 s of ...; for a weekly figure, ...`` (None: no window)."""
    if window is None:
        return None
    if window.seconds is None:
        return f"Figures: {window.describe()} (no per-week figure)."
    line = f"Figures cover {window.describe()}."
    if not window.covers_a_day:
        line += f" Below a day, no per-week figure is given: {BETTER_FIGURES}."
    return line


NO_WORKLOAD_HINT = (
    "to get one: read a server log with --log (set log_min_duration_statement, e.g. to 0 for a "
    "while), sample the running statements with --sample-activity 60s, or wait for the "
    "application to run and analyze again"
)


def no_workload(window: Window | None) -> str:
    """``no workload in the window (since ...)``, and how to get one."""
    since = ""
    if window is not None and window.start is not None:
        since = f" (since {window.start.strftime('%Y-%m-%d %H:%M:%S %Z').strip()})"
    return f"No workload in the window{since}: {NO_WORKLOAD_HINT}."


def empty_state(report: Report) -> str:
    """Why there is no recommendation: nothing observed, or nothing worth an index."""
    if not report.statements:  # nothing that reads a table could be planned
        text = no_workload(report.window)
        if report.skipped:
            text += f" ({len(report.skipped)} other statements skipped: --verbose says why.)"
        return text
    return "No index would improve the workload enough to recommend."
