"""What a selection algorithm gets and gives.

``Workload`` holds the statements that can be planned with their baseline costs and weights. A
statement's weight is the time it really costs (pg_stat_statements ``total_exec_time``), or calls x
planner cost where no time was measured. Its benefit under a configuration is
``weight x (1 - cost_after / cost_before)``: planner costs are only compared within a statement.

``--weigh-by planner`` weighs every statement by calls x planner cost x ``PLANNER_MS_PER_COST``
instead: the same weights on every machine, however fast or busy (CI, tests, comparing advice
across servers), at the price of trusting the planner's costs across statements.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from advisor.model import IndexSpec, ParsedStatement
from advisor.selection.limits import Unevaluated


@dataclass(frozen=True)
class WorkloadItem:
    parsed: ParsedStatement
    base_cost: float
    weight: float
    existing_used: frozenset[str] = frozenset()  # existing indexes its current plan reads
    seq_scans: tuple[tuple[str, float], ...] = ()  # table name -> cost of its sequential scans

    @property
    def key(self) -> str:
        return self.parsed.statement.key


@dataclass(frozen=True)
class Selection:
    chosen: tuple[IndexSpec, ...]
    costs: dict[str, float]  # statement key -> cost with the chosen indexes
    used_by: dict[IndexSpec, tuple[str, ...]]  # index -> statements whose plans read it
    rejected: dict[str, str]  # statement key -> why its best candidates were not chosen
    rounds: int = 0
    left_out: dict[IndexSpec, str] = field(default_factory=dict)  # chosen, then removed: why
    over_budget: tuple[IndexSpec, ...] = ()  # wanted by the best plans, kept out by a budget
    unevaluated: Unevaluated = field(default_factory=Unevaluated)  # left out by a limit


# A typical figure for a cached server: about 10 microseconds per unit of planner cost (the
# median of mean time / generic-plan cost over the demo's statements is 0.006-0.01 ms).
PLANNER_MS_PER_COST = 0.01
WEIGHINGS = ("measured", "planner")


def weight_of(
    parsed: ParsedStatement, base_cost: float, ms_per_cost: float = 1.0, *, measured: bool = True
) -> float:
    """Measured total time, or calls x planner cost x ``ms_per_cost`` where none was measured
    (or where ``measured`` is False: the planner's weights)."""
    statement = parsed.statement
    if measured and statement.total_exec_ms > 0:
        return statement.total_exec_ms
    return max(statement.calls, 1) * base_cost * ms_per_cost


def ms_per_cost(measured: list[tuple[float, float]]) -> float:
    """How many milliseconds one unit of planner cost took on this server: the median of
    mean time / cost over statements that have both. The fallback for weighing statements given
    without a measured time (``--query``, files) when too few statements were measured for
    ``time_vs_cost.calibrate``, so that all weights are milliseconds even then."""
    ratios = [ms / cost for ms, cost in measured if ms > 0 and cost > 0]
    return statistics.median(ratios) if ratios else 1.0
