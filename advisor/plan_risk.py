"""Plans whose cost rests on a row estimate with no statistics behind it, where a wrong estimate
multiplies the time: a nested loop that reads its inner side in full once per outer row.

The planner picks such a loop when it expects few outer rows. Where those rows come out of a CTE
(``CTE Scan``, or the ``WorkTable Scan`` of a recursive one), the expectation is a guess: a CTE's
output has no statistics, so an equality filter on one of its columns keeps 0.5 % of its rows
and a join on one assumes 200 distinct values, whatever the data holds. Two filters on a CTE of
200,000 rows give one row where there may be tens of thousands; each of them then costs another
full pass over the inner side, and a statement the planner prices at seconds runs into its
timeout. No index repairs that: the inner side is a CTE, or a table the loop reads whole.

``find`` flags a loop when an estimate ``MISESTIMATE`` times too low (well within what the
defaults miss by: 500x and 16,000x on the star benchmark's two cases) would at least double the
statement's plan cost, by at least ``MIN_ADDED_COST``. The outer side must filter, join or group
a CTE's output: a CTE read whole is estimated from its own plan, over tables with statistics.

The cost of one more loop is the planner's own: a rescan of a scan is its run cost; a
``Materialize`` re-reads its stored rows at half what storing them cost. The pairs the join
filter compares come on top, so the figure is a lower bound. A semi or anti join (``EXISTS``,
``NOT EXISTS``) is not flagged: its loop stops at an outer row's first match, so it need not
read the inner side in full, and the figure would be no lower bound.

What helps: a temporary table with ``ANALYZE`` in place of the CTE (its real row count and
column statistics), or ``enable_nestloop = off`` for that statement alone. ``hedge`` prices the
second with the planner (``pipeline`` plans the statement again with nested loops off), so the
note can say what the safer plan costs: on the star benchmark's Q4 the same cost, and 2 s instead
of a 60 s timeout for real. Statements planned from their normal form are judged on their
generic plan, like everything else the analysis says of them. One module decides it; text,
Markdown and JSON show its ``PlanRisk`` as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from advisor.model import PlanRisk, Statement
from advisor.parse.plan import nodes
from advisor.report.fmt import count, plural, statement_name

MISESTIMATE = 100.0  # how far too low an outer estimate without statistics is assumed to be
# relations whose output has no statistics: rows estimated over them are default guesses
NO_STATISTICS = ("CTE Scan", "WorkTable Scan")
# inner sides whose every loop reads the whole relation again (the run cost is the rescan's)
FULL_RESCAN = ("CTE Scan", "WorkTable Scan", "Seq Scan", "Function Scan")
# below this much added plan cost (about 100 ms on a cached server, at 0.01 ms a unit), even the
# misestimate costs little: such statements are left unnamed, not to bury the ones that matter
MIN_ADDED_COST = 10_000.0
# nodes that pass their input's rows on as they are: an estimate through them is their input's
_SAME_ROWS = ("Sort", "Incremental Sort", "Materialize", "Memoize", "Gather", "Gather Merge")
# PostgreSQL (up to 17) adds this to the cost of a plan that needs a disabled node
DISABLE_COST = 1.0e10
# joins whose loop stops reading the inner side at an outer row's first match (EXISTS, IN,
# NOT EXISTS): how much of it a loop reads depends on where matches lie, so "in full once per
# outer row" is not what they cost, and the planner's own price for them counts that
STOPS_AT_MATCH = ("Semi", "Anti")
_BESIDE = ("InitPlan", "SubPlan")  # subplans run apart: they feed no rows to their parent


def find(plan: dict[str, Any]) -> PlanRisk | None:
    """The nested loop of ``plan`` (a plan tree's top node) that a low outer estimate without
    statistics would make the dearest, if an estimate ``MISESTIMATE`` times too low would at
    least double the statement's cost and add at least ``MIN_ADDED_COST``; else None."""
    total = float(plan["Total Cost"])
    worst: PlanRisk | None = None
    for node, _parent in nodes(plan):
        if node["Node Type"] != "Nested Loop" or "Join Filter" not in node:
            continue
        if node.get("Join Type") in STOPS_AT_MATCH:
            continue
        outer, inner = _children(node)
        if outer is None or inner is None:
            continue
        ctes = _no_statistics(outer)
        rescan = _rescan(inner)
        if not ctes or rescan is None:
            continue
        loop_cost, reads = rescan
        rows = float(outer["Plan Rows"])
        added = (MISESTIMATE - 1) * rows * loop_cost
        if total <= 0 or added < max(total, MIN_ADDED_COST):
            continue
        found = PlanRisk(reads, ctes, rows, loop_cost, total, (total + added) / total)
        if worst is None or found.cost_factor > worst.cost_factor:
            worst = found
    return None if worst is None else replace(worst, note=_note(worst, None))


def hedge(risk: PlanRisk, plan: dict[str, Any] | None) -> PlanRisk:
    """``risk`` with the plan the statement gets with ``enable_nestloop = off`` (None: it did not
    plan): its cost, when the planner found one without a nested loop."""
    if plan is None or _needs_disabled(plan):
        return risk
    hedged = float(plan["Total Cost"])
    return replace(risk, hedged_cost=hedged, note=_note(risk, hedged))


def with_advice(risk: PlanRisk, gain: float) -> PlanRisk:
    """A flagged statement the advice helps by plan cost: the gain stays, said to be uncertain
    (its plan cost is the guess's)."""
    return replace(
        risk,
        advice_gain=gain,
        note=(
            f"{risk.note}. The advice cuts its plan cost by {gain:.0%}; how much time that saves "
            "is uncertain while the loop rests on the guess"
        ),
    )


def index_note(statement: Statement) -> str:
    """A recommendation's note about a statement it serves whose plan rests on the guess."""
    return (
        f"{statement_name(statement.queryid, statement.query)} has a plan whose cost rests on a "
        "row count guessed over a CTE's output: the time this index saves it is uncertain "
        "(the statement's note says why)"
    )


def _note(risk: PlanRisk, hedged: float | None) -> str:
    lead = (
        f"its plan reads {risk.inner} in full once for every row of a nested loop's outer "
        f"side, which the planner puts at {plural(round(risk.outer_rows), 'row')}, estimated "
        f"over the output of {risk.outer_source}: that output has no statistics, so the "
        "figure is a default guess. "
        f"Were it {MISESTIMATE:.0f}x too low, the statement would cost at least "
        f"{risk.cost_factor:.0f}x its plan cost, and each row more another pass (cost "
        f"{risk.loop_cost:,.0f})"
    )
    helps = (
        "temporary tables with ANALYZE in place of the CTEs give the planner real row counts"
        if len(risk.ctes) > 1
        else "a temporary table with ANALYZE in place of the CTE gives the planner real row counts"
    )
    if hedged is None:
        return f"{lead}. What would help: {helps}; no index repairs a misestimate"
    ratio = hedged / risk.plan_cost if risk.plan_cost > 0 else 1.0
    return (
        f"{lead}. What would help: {helps}; or, for this statement, SET LOCAL enable_nestloop "
        f"= off: planned so it costs {hedged:,.0f} ({ratio:.2f}x its plan cost now), with "
        "joins whose cost does not grow with the misestimate. No index repairs a misestimate"
    )


def _children(node: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A join's outer and inner input (its subplans aside)."""
    found = {c.get("Parent Relationship"): c for c in node.get("Plans", ())}
    return found.get("Outer"), found.get("Inner")


def _feeding(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``node`` and the nodes whose rows flow into it (not its InitPlans and SubPlans)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(
            c for c in current.get("Plans", ()) if c.get("Parent Relationship") not in _BESIDE
        )


def _no_statistics(outer: dict[str, Any]) -> tuple[str, ...]:
    """The CTEs over whose output the outer side's row count is guessed: filtered, joined or
    grouped there. A CTE's whole output is estimated from its own plan, over tables with
    statistics: an outer side that is just that (sorted, say) is no guess."""
    names = {_cte(node) for node in _feeding(outer) if node["Node Type"] in NO_STATISTICS}
    if not names:
        return ()
    node = outer
    while node["Node Type"] in _SAME_ROWS and len(node.get("Plans", ())) == 1:
        node = node["Plans"][0]
    if node["Node Type"] in NO_STATISTICS and "Filter" not in node:
        return ()
    return tuple(sorted(names))


def _cte(node: dict[str, Any]) -> str:
    return str(node.get("CTE Name", node.get("Alias", "?")))


def _rescan(inner: dict[str, Any]) -> tuple[float, str] | None:
    """The cost of one more pass over a nested loop's inner side, and what it reads, when every
    pass reads it whole; None for an inner side the outer row parameterizes (an index lookup)."""
    kind = inner["Node Type"]
    if kind in FULL_RESCAN:
        return float(inner["Total Cost"]) - float(inner["Startup Cost"]), _named(inner)
    if kind == "Materialize":  # its first pass stores the rows at 2 x cpu_operator_cost each
        (child,) = inner["Plans"]
        stored = float(inner["Total Cost"]) - float(child["Total Cost"])
        what = f"{count(round(float(inner['Plan Rows'])))} rows stored from {_named(child)}"
        return stored / 2, what
    return None


def _named(node: dict[str, Any]) -> str:
    kind = str(node["Node Type"])
    if kind in NO_STATISTICS:
        return f"CTE {_cte(node)}"
    if "Relation Name" in node:
        schema = node.get("Schema")  # VERBOSE names it
        name = node["Relation Name"]
        return f"table {schema}.{name}" if schema else f"table {name}"
    if "Function Name" in node:
        return f"function {node['Function Name']}()"
    return kind.lower()


def _needs_disabled(plan: dict[str, Any]) -> bool:
    """Whether the planner could not do without a disabled node (PostgreSQL 18 marks it;
    earlier ones add ``DISABLE_COST``)."""
    return float(plan["Total Cost"]) >= DISABLE_COST or any(
        n.get("Disabled") is True for n, _parent in nodes(plan)
    )
