"""Periods of history: ``--since 7d``, and the stored snapshots that bound a period.

A period ends at the newest snapshot and starts at the stored snapshot closest to ``since``
before it; the previous period is the same length before that. Snapshots are never invented:
when the store holds snapshots a day apart, ``--since 36h`` gives the nearest whole days.
"""

from __future__ import annotations

from collections.abc import Sequence

from advisor import durations
from advisor.errors import UsageError
from advisor.history.model import SnapshotMeta


def parse_period(text: str) -> float:
    """``"7d"`` -> seconds. Units: s, min (or m), h, d, w; a bare number is days."""
    ms = durations.parse_ms(text, default_unit="d")
    if ms is None or ms <= 0 or "'" in text:
        raise UsageError(f"cannot read period {text!r}", "use e.g. 7d, 24h, 2w or 90min")
    return ms / 1000.0


def parse_retention(text: str) -> float | None:
    """Seconds to keep, or None to keep everything (``0``, ``never``, ``all``)."""
    if text.strip().lower() in ("0", "never", "all", "forever"):
        return None
    return parse_period(text)


def closest_before(
    snapshots: Sequence[SnapshotMeta], target: float, before: SnapshotMeta
) -> SnapshotMeta | None:
    """The snapshot older than ``before`` whose time is closest to ``target``."""
    older = [s for s in snapshots if s.taken_at < before.taken_at and s.id != before.id]
    if not older:
        return None
    return min(older, key=lambda s: (abs(s.taken_at - target), -s.taken_at))


def boundaries(
    snapshots: Sequence[SnapshotMeta], newest: SnapshotMeta, length: float, count: int
) -> list[SnapshotMeta]:
    """Up to ``count + 1`` snapshots, newest first, about ``length`` apart (for trends)."""
    out = [newest]
    while len(out) <= count:
        found = closest_before(snapshots, out[-1].taken_at - length, out[-1])
        if found is None:
            break
        out.append(found)
    return out


def between(
    snapshots: Sequence[SnapshotMeta], start: SnapshotMeta, end: SnapshotMeta
) -> list[SnapshotMeta]:
    """The snapshots from ``start`` to ``end``, both included, oldest first."""
    return [s for s in snapshots if start.taken_at <= s.taken_at <= end.taken_at]
