"""Price a drop before doing it: plan the statements that use an index with the index hidden.

HypoPG 1.4 added ``hypopg_hide_index(oid)``: the planner of this backend (only) stops seeing a
real index until ``hypopg_unhide_index``. Planning each statement that reads an index with and
without it gives the cost a drop would add. Older HypoPG (Debian 12 ships 1.3.1) has no such
function: ``price_drops`` then returns None and the review relies on plan usage alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql

from advisor.collect.catalog import Catalog
from advisor.db import queries
from advisor.model import ParsedStatement
from advisor.review.base import DropEffect
from advisor.whatif import readings
from advisor.whatif.explain import Explainer, PlanError
from advisor.whatif.hypopg import HypoPG


def _cost(explainer: Explainer, parsed: ParsedStatement) -> float | None:
    try:
        return readings.plan_cost(explainer, parsed)[0]
    except PlanError:
        return None


def price_drops(
    conn: psycopg.Connection[Any],
    hypo: HypoPG,
    explainer: Explainer,
    catalog: Catalog,
    *,
    plan_usage: Mapping[str, tuple[str, ...]],
    workload: Sequence[ParsedStatement],
) -> dict[int, tuple[DropEffect, ...]] | None:
    """Per index oid that a workload plan reads: each such statement's cost with and without it.

    None when the server's HypoPG cannot hide indexes (before 1.4). Every index hidden here is
    shown again before the next one is hidden, also when planning fails.
    """
    if not hypo.can_hide:
        return None
    ident = sql.Identifier(hypo.schema)
    hide = queries.load("review_hypopg_hide").format(hypopg=ident)
    unhide = queries.load("review_hypopg_unhide").format(hypopg=ident)
    by_text = {p.statement.query: p for p in workload}
    priced: dict[int, tuple[DropEffect, ...]] = {}
    for indexes in catalog.indexes.values():
        for index in indexes:
            texts = plan_usage.get(index.name, ())
            statements = [by_text[t] for t in texts if t in by_text]
            if not statements:
                continue
            effects = []
            for parsed in statements:
                before = _cost(explainer, parsed)
                conn.execute(hide, (index.oid,))
                try:
                    after = _cost(explainer, parsed)
                finally:
                    conn.execute(unhide, (index.oid,))
                if before is not None and after is not None:
                    effects.append(DropEffect(parsed.statement.query, before, after))
            priced[index.oid] = tuple(effects)
    return priced
