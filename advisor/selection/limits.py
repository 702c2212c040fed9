"""``--max-explains`` / ``--time-limit``: stop the search early and say what it did not evaluate.

The limits bound the search, not the accounting: when one is reached, statements not planned yet
are skipped, statements whose candidates were not priced yet get a reason, the greedy rounds stop
and the set chosen so far is the advice. The before/after costs of that set are still computed
(those plans are mostly cached already), so ``explain_calls`` can end a little above the limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from advisor.model import MAX_EXPLAINS, TIME_LIMIT, Unevaluated

__all__ = ["MAX_EXPLAINS", "TIME_LIMIT", "SearchLimit", "Unevaluated", "unlimited"]


@dataclass
class SearchLimit:
    """Checks the EXPLAIN count and the clock; remembers which limit was reached first."""

    calls: Callable[[], int]
    max_explains: int | None = None
    deadline: float | None = None  # time.monotonic() value
    reached: str | None = field(default=None, init=False)

    @classmethod
    def start(
        cls,
        calls: Callable[[], int],
        *,
        max_explains: int | None,
        time_limit_s: float | None,
        started: float | None = None,
    ) -> SearchLimit:
        begin = time.monotonic() if started is None else started
        deadline = None if time_limit_s is None else begin + time_limit_s
        return cls(calls, max_explains, deadline)

    @property
    def spent(self) -> bool:
        if self.reached is None:
            if self.max_explains is not None and self.calls() >= self.max_explains:
                self.reached = MAX_EXPLAINS
            elif self.deadline is not None and time.monotonic() >= self.deadline:
                self.reached = TIME_LIMIT
        return self.reached is not None


def unlimited() -> SearchLimit:
    return SearchLimit(lambda: 0)
