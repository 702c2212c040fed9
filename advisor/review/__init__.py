"""Review the indexes a database already has: what could go, what is missing, and the proof.

``CHECKS`` lists the kinds of finding, in the order their drops are considered; each check's
docstring is what the report reader is told about that kind. ``review()`` reads the catalog
facts, runs every check and resolves their drops together (``advisor.review.resolve``): an index
that enforces something, or is the last one a foreign key or another finding relies on, is never
proposed for dropping, and a drop is ``safe`` only when no workload plan reads the index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from advisor.catalog.foreign_keys import ForeignKey, read_foreign_keys
from advisor.catalog.indexes import read_indexes
from advisor.catalog.names import IndexNames
from advisor.catalog.stats import index_stats_age
from advisor.collect.catalog import Catalog
from advisor.model import ExistingIndex, Finding
from advisor.review import duplicate, fk_missing, invalid, redundant, unused
from advisor.review.base import Check, Context, DropEffect
from advisor.review.pricing import price_drops
from advisor.review.resolve import resolve
from advisor.review.stats import replica_index_scans, replica_scans_by_oid

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
    "Evidence",
    "index_stats_age",
    "price_drops",
    "replica_index_scans",
    "replica_scans_by_oid",
    "review",
    "review_indexes",
    "review_live",
]


@dataclass(frozen=True)
class Evidence:
    """What the verdict weighs besides the catalog.

    ``stats_age_seconds`` is how long ``idx_scan`` has been counting (``advisor.catalog.stats``);
    no index is called unused when it is None or below ``min_stats_age_seconds``.
    ``plan_usage`` maps an index name, as EXPLAIN shows it, to the workload statements whose
    generic plans read it; None when no workload was planned (``safe`` is then unknown).
    ``replica_scans`` adds the replicas' scans per index oid (``replica_scans_by_oid``);
    ``hide_costs`` the planner costs of a drop where HypoPG can hide indexes (``price_drops``).
    """

    stats_age_seconds: float | None
    min_stats_age_seconds: float
    plan_usage: Mapping[str, tuple[str, ...]] | None = None
    replica_scans: Mapping[int, int] | None = None
    hide_costs: Mapping[int, tuple[DropEffect, ...]] | None = None


def review(
    conn: psycopg.Connection[Any],
    catalog: Catalog,
    *,
    plan_usage: Mapping[str, tuple[str, ...]] | None,
    stats_age_seconds: float | None,
    min_stats_age_seconds: float,
    replica_scans: Mapping[int, int] | None = None,
    hide_costs: Mapping[int, tuple[DropEffect, ...]] | None = None,
    checks: tuple[Check, ...] = CHECKS,
) -> tuple[Finding, ...]:
    """The findings about the existing indexes of the whole database (``review_indexes``),
    with the indexes of ``catalog`` and the foreign keys read on ``conn``; the keywords are
    those of ``Evidence``."""
    evidence = Evidence(
        stats_age_seconds, min_stats_age_seconds, plan_usage, replica_scans, hide_costs
    )
    indexes = tuple(i for group in catalog.indexes.values() for i in group)
    return review_indexes(
        indexes, read_foreign_keys(conn), IndexNames(conn), evidence, checks=checks
    )


def review_indexes(
    indexes: tuple[ExistingIndex, ...],
    foreign_keys: tuple[ForeignKey, ...],
    names: IndexNames,
    evidence: Evidence,
    *,
    checks: tuple[Check, ...] = CHECKS,
) -> tuple[Finding, ...]:
    """The verdict on existing indexes, in the order of ``checks``: the one place that decides
    whether an index is invalid, duplicate, redundant, unused or safe to drop, for ``analyze``,
    ``table``, ``report`` and ``lint`` alike.

    ``indexes`` are the indexes to judge with every index their verdict depends on (the whole
    database, or one table's); ``foreign_keys`` those declared on their tables.
    """
    ctx = Context(
        indexes=indexes,
        foreign_keys=foreign_keys,
        stats_age_seconds=evidence.stats_age_seconds,
        min_stats_age_seconds=evidence.min_stats_age_seconds,
        replica_scans=evidence.replica_scans,
        names=names,
    )
    proposals = [proposal for check in checks for proposal in check.run(ctx)]
    return resolve(proposals, ctx, plan_usage=evidence.plan_usage, hide_costs=evidence.hide_costs)


def review_live(
    conn: psycopg.Connection[Any],
    *,
    min_stats_age_seconds: float,
    table_oid: int | None = None,
    indexes: tuple[ExistingIndex, ...] | None = None,
) -> tuple[Finding, ...]:
    """The verdict without a workload's plans (``safe`` unknown), on the whole database or on
    one table: for ``advisor table``, ``advisor report --no-advice`` and ``advisor lint``.
    ``indexes``: those read already (of the whole database, or of the table)."""
    return review_indexes(
        indexes if indexes is not None else read_indexes(conn, table_oid=table_oid),
        read_foreign_keys(conn, table_oid=table_oid),
        IndexNames(conn),
        Evidence(index_stats_age(conn), min_stats_age_seconds),
    )
