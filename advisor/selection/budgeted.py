"""A size budget applies only where it binds: a budget that does not bind gives the advice
that no budget gives.

Under a size budget the greedy selection ranks moves by net gain per byte, without one by net
gain, so the two searches can end in different sets even when the budget is never reached (issue
17: ``--max-size 250MB`` changed advice that was smaller than 250 MB). The selection therefore
runs without the size budget first and keeps that advice when it fits; only when it does not
fit does the budgeted search run. The two share the what-if cache, so the second search re-plans
little.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from advisor.model import IndexSpec
from advisor.selection.base import Selection, WorkloadItem
from advisor.settings import Settings


class Selector(Protocol):
    """What ``select`` needs of a selection algorithm."""

    def select(
        self, items: list[WorkloadItem], candidates: dict[str, tuple[IndexSpec, ...]]
    ) -> Selection: ...


def select(
    selector_for: Callable[[Settings], Selector],
    settings: Settings,
    items: list[WorkloadItem],
    candidates: dict[str, tuple[IndexSpec, ...]],
    size_of: Callable[[IndexSpec], int],
) -> Selection:
    budget = settings.max_size_bytes
    if budget is None:
        return selector_for(settings).select(items, candidates)
    free = selector_for(replace(settings, max_size_bytes=None)).select(items, candidates)
    if sum(size_of(s) for s in free.chosen) <= budget:
        return free
    return selector_for(settings).select(items, candidates)
