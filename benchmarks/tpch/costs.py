"""Planner costs of the 22 queries as they are written (constants, custom plans).

This is the benchmark's own yardstick, independent of how the advisor plans: plain ``EXPLAIN``
of each query with no secondary index, then with the recommended set either as HypoPG
hypothetical indexes (every budget) or built for real (the measured sets).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from benchmarks.tpch.queries import TpchQuery
from benchmarks.tpch.replay import connect


def explain_costs(conn: psycopg.Connection[Any], queries: Sequence[TpchQuery]) -> dict[int, float]:
    costs = {}
    for q in queries:
        row = conn.execute(b"EXPLAIN (FORMAT JSON) " + q.sql.encode()).fetchone()
        assert row is not None
        costs[q.number] = float(row[0][0]["Plan"]["Total Cost"])
    return costs


def current_costs(dsn: str, queries: Sequence[TpchQuery]) -> dict[int, float]:
    """Costs with the indexes that exist right now."""
    with connect(dsn, tracked=False) as conn:
        return explain_costs(conn, queries)


@dataclass(frozen=True)
class Hypothetical:
    costs: dict[int, float]
    refused: tuple[str, ...]  # CREATE INDEX statements HypoPG cannot simulate (e.g. GIN)


def hypothetical_costs(
    dsn: str, queries: Sequence[TpchQuery], create_sqls: Iterable[str]
) -> Hypothetical:
    """Costs with the given CREATE INDEX statements as hypothetical indexes (HypoPG).

    An index HypoPG refuses (it simulates B-tree, BRIN, hash and, with bloom, bloom only) is
    left out and listed: its effect shows only once the set is built for real.
    """
    refused = []
    with connect(dsn, tracked=False) as conn:
        conn.execute("SELECT hypopg_reset()")
        for statement in create_sqls:
            try:
                conn.execute("SELECT * FROM hypopg_create_index(%s)", (statement,))
            except psycopg.Error:
                refused.append(statement)
        try:
            return Hypothetical(explain_costs(conn, queries), tuple(refused))
        finally:
            conn.execute("SELECT hypopg_reset()")


@dataclass(frozen=True)
class CostRatios:
    """Cost with the indexes relative to no secondary index; 1.0 means no change."""

    all_queries: float  # calls-weighted over every query
    recorded: float  # calls-weighted over the queries pg_stat_statements recorded
    geomean: float  # geometric mean of the per-query ratios
    per_query: dict[int, float]


def ratios(
    before: Mapping[int, float],
    after: Mapping[int, float],
    calls: Mapping[int, int],
    recorded: Iterable[int],
) -> CostRatios:
    """Weighted by calls: sum(calls x cost after) / sum(calls x cost before)."""
    per_query = {n: after[n] / before[n] for n in before if before[n] > 0}

    def weighted(numbers: Iterable[int]) -> float:
        chosen = list(numbers)
        den = sum(calls[n] * before[n] for n in chosen)
        return sum(calls[n] * after[n] for n in chosen) / den if den else 1.0

    geomean = math.exp(sum(math.log(r) for r in per_query.values()) / len(per_query))
    return CostRatios(weighted(before), weighted(recorded), geomean, per_query)
