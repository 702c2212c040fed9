"""What a selection algorithm gets and gives.

``Workload`` holds the statements that can be planned with their baseline costs and weights. A
statement's weight is the time it really costs (pg_stat_statements ``total_exec_time``), or calls x
planner cost where no time was measured. Its benefit under a configuration is
``weight x (1 - cost_after / cost_before)``: planner costs are only compared within a statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.model import IndexSpec, ParsedStatement


@dataclass(frozen=True)
class WorkloadItem:
    parsed: ParsedStatement
    base_cost: float
    weight: float
    existing_used: frozenset[str] = frozenset()  # existing indexes its current plan reads

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


def weight_of(parsed: ParsedStatement, base_cost: float) -> float:
    statement = parsed.statement
    if statement.total_exec_ms > 0:
        return statement.total_exec_ms
    return max(statement.calls, 1) * base_cost
