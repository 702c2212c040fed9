"""Gains that rest on the planner's caching assumption between the loops of a nested loop.

An index on a join column is read once per row of the other side of a nested loop. PostgreSQL
prices those repeated scans together (``index_pages_fetched``, the Mackert-Lohman formula): over
``loop_count`` loops it expects at most the table's pages to be read from disk, all later reads
found in a cache of ``effective_cache_size``. ``loop_count`` is the row estimate of the other
side's *base table* (``get_loop_count``), not of the join that feeds the loop: when a filter on a
third table cuts that side down (the suppliers of two nations reaching lineitem through nation),
the planner spreads the heap's pages over ten or a hundred times the loops that run, and each
probe costs it next to nothing. The plan it then prefers can be slower than the hash join it
replaces: on TPC-H SF 1, all in shared buffers, Q5 and Q7 ran 1.3-1.5x slower with the indexes
that the planner said made them 0.8x and 0.5x as costly, and Q9 and Q21, priced at a quarter,
ran at 0.97-0.98x.

So a statement the advice helps is planned once more, before and after, with that assumption
removed: ``effective_cache_size`` at its minimum (one page, a planner setting only: no memory is
allocated or freed), in the same session, after the selection. The repeated scans are then priced
at every page they touch, and single scans (one loop) as before. Where the planner's gain holds
without the cache, it does not depend on it; where most of it goes, the statement's gain is
``confirmed = False``: the advice stands (the server plans with its own setting and will take
the index), and the output says to time that statement before and after building. Only
statements that read more than one table are checked: a scan of one table has one loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg

from advisor.db import session
from advisor.model import IndexSpec, ParsedStatement, Statement, UncachedCheck
from advisor.report.fmt import statement_name
from advisor.selection.limits import SearchLimit
from advisor.whatif.costs import WhatIf
from advisor.whatif.explain import PlanError

SETTING = "effective_cache_size"
UNCACHED = "8kB"  # one page: the smallest value the server takes
CONFIRMED_SHARE = 0.5  # the uncached plans keep at least this share of the planner's gain


def gain(before: float, after: float) -> float:
    return 1.0 - after / before if before > 0 else 0.0


def judge(
    before: float, after: float, uncached_before: float, uncached_after: float
) -> UncachedCheck:
    """The check of one statement from its four costs: the one place that decides it."""
    planned, kept = gain(before, after), gain(uncached_before, uncached_after)
    confirmed = kept >= CONFIRMED_SHARE * planned
    note = (
        f"the planner's gain ({planned:.0%}) rests on index scans repeated in a nested loop, "
        "priced as if the table stayed cached between the loops; planned without that "
        f"assumption (effective_cache_size at one page) it gains {max(kept, 0.0):.0%}: time it "
        "before and after building"
    )
    return UncachedCheck(uncached_before, uncached_after, confirmed, None if confirmed else note)


def index_note(resting: Sequence[Statement], helped: int) -> str:
    """A recommendation's note about the statements it serves whose gain is not confirmed."""
    first = resting[0]
    name = statement_name(first.queryid, first.query)
    which = name if len(resting) == 1 else f"{name} and {len(resting) - 1} more"
    share = (
        "all of the statements"
        if len(resting) == helped
        else f"{len(resting)} of the {helped} statements"
    )
    return (
        f"its gain for {which} ({share} it helps) rests on the planner's cache between a nested "
        "loop's scans: time them before and after building (the statements' notes say why)"
    )


def check(
    conn: psycopg.Connection[Any],
    make_whatif: Callable[[], WhatIf],
    statements: Iterable[tuple[str, ParsedStatement, float, float]],
    config: tuple[IndexSpec, ...],
    limit: SearchLimit | None = None,
) -> dict[str, UncachedCheck]:
    """Each statement's check, by key, from (key, statement, cost before, cost after) with
    ``config``: statements of one table, without a gain, or that do not plan are left out, and
    so is the rest once ``limit`` is spent. ``make_whatif`` gives a what-if session of its own
    (its costs are not the server's, and must not mix with theirs in a memo); the caller has
    dropped the hypothetical indexes of its own, and this one drops its own when done."""
    found: dict[str, UncachedCheck] = {}
    whatif = make_whatif()
    try:
        with session.pinned(conn, SETTING, UNCACHED):
            for key, parsed, before, after in statements:
                if len(parsed.tables) < 2 or gain(before, after) <= 0:
                    continue
                if limit is not None and limit.spent:
                    break
                try:
                    base = whatif.cost(parsed, ()).total_cost
                    with_config = whatif.cost(parsed, config).total_cost
                except PlanError:
                    continue
                found[key] = judge(before, after, base, with_config)
    finally:
        if not conn.broken:
            whatif.reset()
    return found
