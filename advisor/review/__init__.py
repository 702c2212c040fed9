"""Review the indexes a database already has: what could go, what is missing, and the proof.

``CHECKS`` lists the kinds of finding, in the order their drops are considered; each check's
docstring is what the report reader is told about that kind. ``review()`` reads the catalog
facts, runs every check and resolves their drops together (``advisor.review.resolve``): an index
that enforces something, or is the last one a foreign key or another finding relies on, is never
proposed for dropping, and a drop is ``safe`` only when no workload plan reads the index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from advisor.collect.catalog import Catalog
from advisor.model import Finding
from advisor.review import duplicate, facts, fk_missing, invalid, redundant, unused
from advisor.review.base import Check, Context, DropEffect
from advisor.review.pricing import price_drops
from advisor.review.resolve import resolve
from advisor.review.stats import index_stats_age, replica_index_scans, replica_scans_by_oid

CHECKS: tuple[Check, ...] = (
    invalid.CHECK,
    duplicate.CHECK,
    redundant.CHECK,
    unused.CHECK,
    fk_missing.CHECK,
)

__all__ = [
    "CHECKS",
    "Check",
    "DropEffect",
    "index_stats_age",
    "price_drops",
    "replica_index_scans",
    "replica_scans_by_oid",
    "review",
]


def review(
    conn: psycopg.Connection[Any],
    catalog: Catalog,
    *,
    plan_usage: Mapping[str, tuple[str, ...]],
    stats_age_seconds: float | None,
    min_stats_age_seconds: float,
    replica_scans: Mapping[int, int] | None = None,
    hide_costs: Mapping[int, tuple[DropEffect, ...]] | None = None,
    checks: tuple[Check, ...] = CHECKS,
) -> tuple[Finding, ...]:
    """The findings about the existing indexes, in the order of ``checks``.

    ``conn`` is the read-only analysis session (autocommit). ``plan_usage`` maps an index name,
    as EXPLAIN shows it, to the workload statements whose generic plans read it.
    ``stats_age_seconds`` is how long ``idx_scan`` has been counting (``index_stats_age``); no
    index is called unused when it is None or below ``min_stats_age_seconds``.
    ``replica_scans`` adds the replicas' scans per index oid (``replica_scans_by_oid``);
    ``hide_costs`` the planner costs of a drop where HypoPG can hide indexes (``price_drops``).
    """
    indexes = facts.read_indexes(conn, catalog)
    foreign_keys = facts.read_foreign_keys(conn)
    taken = {
        schema: facts.relation_names(conn, schema)
        for schema in sorted({fk.table.schema for fk in foreign_keys})
    }
    ctx = Context(
        indexes=indexes,
        foreign_keys=foreign_keys,
        stats_age_seconds=stats_age_seconds,
        min_stats_age_seconds=min_stats_age_seconds,
        replica_scans=replica_scans,
        taken_names=taken,
    )
    proposals = [proposal for check in checks for proposal in check.run(ctx)]
    return resolve(proposals, ctx, plan_usage=plan_usage, hide_costs=hide_costs)
