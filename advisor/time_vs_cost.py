"""Statements whose measured time their plan cost does not explain: the planner misjudges them.

Planner cost is in arbitrary units, but on one server and one workload a unit takes about the
same time in every statement whose estimates are right: the median of mean time / plan cost over
the workload's statements is that time (``calibrate``). On the star benchmark's 50 statements the
well-estimated ones sit within 0.2x-6x of the median; statements whose row estimates are off by
orders of magnitude (a nested loop over rows the planner thought were few, joins on a CTE's
output, which has no statistics) sit at 15x-100x. ``FACTOR`` (10x) lies between: above what
caching, I/O and CPU-heavy operators spread a workload by, below what a misestimate costs.

A statement is flagged (``judge``) when its mean time is at least ``FACTOR`` times what its cost
predicts, and it matters: at least ``MIN_MEAN_MS`` a call (below that, fixed per-call work
decides the ratio) and either ``MIN_SHARE`` of the workload's measured time or ``SLOW_CALL_MS``
a call. A call cancelled by a timeout counts with the timeout, a lower bound: such a statement is
flagged all the more, never calibrated on. Too few statements to calibrate on: nothing is said.

No index repairs a misestimate, and the advice's gain on such a statement is a gain in plan cost
that its time may not follow: the note says what would help, and that the gain is uncertain.
For the same reason the selection weighs a flagged statement by the time its plan cost predicts
(``weigh``, with measured weights; ``--weigh-by planner`` weighs every statement so already),
not by its measured time: a cut of plan cost vouches for a cut of the time the plan
accounts for, not of the time the misestimate adds. Weighed by its measured time, one misjudged
statement that ran into a timeout drew a size budget to indexes whose gain it could not show.
One module decides it; text, Markdown and JSON show its ``TimeVsCost`` as it is.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from advisor.model import Calibration, ParsedStatement, Statement, TimeVsCost
from advisor.report.fmt import ms, statement_name
from advisor.selection.base import WorkloadItem

FACTOR = 10.0  # measured / predicted time at which a statement is flagged
MIN_CALIBRATION = 5  # statements needed to calibrate on
CALIBRATION_MIN_MEAN_MS = 0.1  # below that, executor start-up and the like decide a ratio
MIN_MEAN_MS = 10.0  # a flagged statement's mean time at least
MIN_SHARE = 0.01  # of the workload's measured time ...
SLOW_CALL_MS = 1000.0  # ... or this much a call


def calibrate(planned: Sequence[tuple[ParsedStatement, float]]) -> Calibration | None:
    """The median ms per cost unit over the read-only statements (with their plan costs) that
    have a measured time and no timeout; None below ``MIN_CALIBRATION`` of them. Statements that
    write are left out: their time holds triggers, foreign-key checks and lock waits that their
    plan cost does not.

    The selection weighs a statement without a measured time (given with ``--query`` or a file)
    by calls x plan cost x this figure (``pipeline._baseline``): the one the report shows."""
    ratios = [
        s.mean_exec_ms / cost
        for parsed, cost in planned
        if (s := parsed.statement).mean_exec_ms >= CALIBRATION_MIN_MEAN_MS
        and s.timeouts == 0
        and cost > 0
        and not parsed.writes
    ]
    if len(ratios) < MIN_CALIBRATION:
        return None
    return Calibration(statistics.median(ratios), len(ratios))


def judge(items: Sequence[WorkloadItem], calibration: Calibration | None) -> dict[str, TimeVsCost]:
    """The statements that ran far longer than their plan cost predicts, and matter, by key."""
    if calibration is None:
        return {}
    total = sum(i.parsed.statement.total_exec_ms for i in items)
    out = {}
    for item in items:
        statement = item.parsed.statement
        mean = statement.mean_exec_ms
        predicted = item.base_cost * calibration.ms_per_cost
        if item.base_cost <= 0 or mean < MIN_MEAN_MS or mean < FACTOR * predicted:
            continue
        share = statement.total_exec_ms / total if total > 0 else 0.0
        if share < MIN_SHARE and mean < SLOW_CALL_MS:
            continue
        timed_out = statement.timeouts > 0
        out[item.key] = TimeVsCost(
            predicted, mean, timed_out, calibration, _note(item, predicted, timed_out, calibration)
        )
    return out


def weigh(items: Sequence[WorkloadItem], flagged: dict[str, TimeVsCost]) -> list[WorkloadItem]:
    """The items as the selection weighs them: a flagged statement by its predicted time (calls x
    plan cost x ms per cost unit) where that is less than its weight; the rest as they are."""
    out = []
    for item in items:
        judged = flagged.get(item.key)
        if judged is not None:
            predicted = max(item.parsed.statement.calls, 1) * judged.predicted_ms
            item = replace(item, weight=min(item.weight, predicted))
        out.append(item)
    return out


def _note(item: WorkloadItem, predicted: float, timed_out: bool, calibration: Calibration) -> str:
    statement = item.parsed.statement
    mean = ms(statement.mean_exec_ms)
    ran = f"at least {mean} a call (timed out)" if timed_out else f"{mean} a call"
    factor = statement.mean_exec_ms / predicted
    lead = (
        f"its plan cost ({item.base_cost:.0f}) predicts ~{ms(predicted)} at this workload's "
        f"{calibration.ms_per_cost:.3g} ms per cost unit (median of {calibration.statements} "
        f"statements); it ran {ran}, {factor:.0f}x more"
    )
    if item.parsed.writes:
        return (
            f"{lead}: its time is in work its plan cost does not count: triggers, foreign-key "
            "checks (a referencing column without an index), or waits for row locks. EXPLAIN "
            "(ANALYZE, BUFFERS) in a transaction rolled back shows trigger times; "
            "log_lock_waits shows the waits. The advice weighs it by its predicted time, not its "
            "measured one"
        )
    helps = (
        "ANALYZE, extended statistics (CREATE STATISTICS) on columns filtered or joined "
        "together, or a temporary table with ANALYZE in place of a CTE (a CTE's output has no "
        "statistics: joins and filters on it are estimated with defaults)"
        if item.parsed.has_cte
        else "ANALYZE or extended statistics (CREATE STATISTICS) on columns filtered or joined "
        "together"
    )
    return (
        f"{lead}: the planner misjudges it. Run EXPLAIN (ANALYZE, BUFFERS) with real constants "
        f"and compare estimated and actual rows: where they part, {helps} may help; no index "
        "repairs a misestimate. Where they agree, the time is in reading from disk (shared "
        "read) or in waits. The advice weighs it by its predicted time, not its measured one"
    )


def with_advice(judged: TimeVsCost, gain: float) -> TimeVsCost:
    """A flagged statement the advice helps by plan cost: the gain stays, said to be uncertain."""
    return replace(
        judged,
        advice_gain=gain,
        note=(
            f"{judged.note}. The advice cuts its plan cost by {gain:.0%}; how much time that "
            "saves is uncertain while the planner misjudges it"
        ),
    )


def index_note(statement: Statement, judged: TimeVsCost) -> str:
    """A recommendation's note about a statement it serves that ran far longer than its plan
    cost predicts."""
    name = statement_name(statement.queryid, statement.query)
    ran = f"at least {ms(judged.measured_ms)}" if judged.timed_out else ms(judged.measured_ms)
    return (
        f"{name} ran {ran} a call where its plan cost predicts ~{ms(judged.predicted_ms)}: "
        "the time this index saves it is uncertain (the statement's note says why)"
    )
