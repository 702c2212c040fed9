"""The hook for "when does this sequence run out": a history of sequence values over time.

No history store records sequence values yet. When one does, it implements ``SequenceHistory``
and ``advisor.lint.live.lint`` passes it on (``history=``); the ``int-sequence-exhaustion`` rule
then adds the date the sequence reaches its limit at the observed rate. Until then the rule
reports the fraction used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol


class SequenceHistory(Protocol):
    """Observed ``last_value`` of a sequence, oldest first."""

    def sequence_points(self, schema: str, name: str) -> Sequence[tuple[datetime, int]]: ...


def exhaustion_date(points: Sequence[tuple[datetime, int]], limit: int) -> datetime | None:
    """When the value reaches ``limit`` at the rate between the first and last point.

    None with fewer than two points, or when the value did not grow.
    """
    if len(points) < 2:
        return None
    (t0, v0), (t1, v1) = points[0], points[-1]
    seconds = (t1 - t0).total_seconds()
    if seconds <= 0 or v1 <= v0:
        return None
    rate = (v1 - v0) / seconds
    return t1 + timedelta(seconds=(limit - v1) / rate)
