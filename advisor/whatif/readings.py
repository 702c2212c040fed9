"""A statement whose ranges between parameters can be narrow or wide is priced as both.

``parse.ranges`` gives such a statement a second text, its wide reading (``wide_sql``): the
generic plan of the normal form takes each of its ranges for 0.5 % of the rows, the wide one for
a third. Neither is known to be right: the constants that ran are not in the normal form (when
the workload shows them, ``samples`` plans those instead, and there is no wide reading). The
statement's cost under any set of indexes is the mean of the two readings' costs: an index that
serves only narrow ranges (the wide reading scans the table past it) gets half its narrow gain,
one that serves both (a covering index) gets the mean of its two gains. Both readings cost the
same where no index is involved, so without a range between parameters, or with the table read
in full either way, the figures are those of the one plan.

Every cost of the statement, before and after, in every command, is this mean: ``combine`` is
the one place that makes it.
"""

from __future__ import annotations

from dataclasses import replace

from advisor.model import ParsedStatement, PlanCost
from advisor.whatif.explain import Explainer, used_index_names

WIDE_SHARE = 0.5  # the weight of the wide reading in the statement's cost


def narrow(parsed: ParsedStatement) -> ParsedStatement:
    """The statement as its generic plan reads it (``plan_sql`` alone)."""
    return replace(parsed, wide_sql=None) if parsed.wide_sql is not None else parsed


def wide(parsed: ParsedStatement) -> ParsedStatement:
    """The statement's wide reading as a statement of its own (its ``plan_sql`` is the wide
    text)."""
    assert parsed.wide_sql is not None
    return replace(parsed, plan_sql=parsed.wide_sql, wide_sql=None)


def combine(narrow_cost: PlanCost, wide_cost: PlanCost) -> PlanCost:
    """The statement's cost from its two readings': the mean cost, the indexes either plan
    reads, the mean cost of the sequential scans of each table."""
    seq: dict[str, float] = {}
    for share, cost in ((1 - WIDE_SHARE, narrow_cost), (WIDE_SHARE, wide_cost)):
        for name, value in cost.seq_scans:
            seq[name] = seq.get(name, 0.0) + share * value
    return PlanCost(
        (1 - WIDE_SHARE) * narrow_cost.total_cost + WIDE_SHARE * wide_cost.total_cost,
        narrow_cost.used_indexes | wide_cost.used_indexes,
        tuple(sorted(seq.items())),
    )


def plan_cost(explainer: Explainer, parsed: ParsedStatement) -> tuple[float, frozenset[str]]:
    """The statement's cost under the indexes the server has now, and the indexes its plans
    read: for checks that plan with real indexes (``PlanError`` when a reading does not plan)."""
    plans = [explainer.plan(narrow(parsed))]
    if parsed.wide_sql is not None:
        plans.append(explainer.plan(wide(parsed)))
    costs = [PlanCost(float(p.get("Total Cost", 0.0)), used_index_names(p)) for p in plans]
    cost = combine(costs[0], costs[1]) if len(costs) == 2 else costs[0]
    return cost.total_cost, cost.used_indexes
