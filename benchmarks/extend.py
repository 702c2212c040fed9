"""Extend, the index selection algorithm of Schlosser, Kossmann and Boissier, as a baseline.

R. Schlosser, J. Kossmann, M. Boissier: "Efficient Scalable Multi-attribute Index Selection
Using Recursive Strategies", ICDE 2019, pp. 1238-1249. Kossmann et al. (VLDB 2020) found it the
best of eight algorithms on TPC-H, TPC-DS and JOB. This is our own implementation of the published
algorithm, written to behave like the reference implementation used in those comparisons
(hyrise/index_selection_evaluation, ``selection/algorithms/extend_algorithm.py``), so that its
figures stand beside ours under the benchmarks' common evaluator:

- the workload is the statements with their constants; every statement counts once and its cost
  is the planner's total cost of a plain ``EXPLAIN`` (custom plans) with HypoPG hypothetical
  indexes;
- the candidates are the single-column indexes on every column a statement references
  ("indexable columns"); index sizes are HypoPG's estimates, and the budget is in those bytes
  (MB = 10^6 bytes, as there);
- each step evaluates adding one single-column index and, for every index already chosen and
  narrower than ``max_width``, appending one indexable column of its table (the widened index
  replaces it); a step must cut the workload's cost by more than ``min_cost_improvement``
  (0.3 %) and the one with the best cost reduction per byte added, within the budget, wins;
- it stops when no step qualifies.

A statement's cost is re-planned only when an index sharing a column with it changed (the
reference implementation's cache); we count the EXPLAIN calls that leaves.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from pglast import ast, parse_sql

from advisor.collect.catalog import Catalog, read_catalog
from advisor.db import ddl
from advisor.model import IndexKey, IndexSpec, ParsedStatement, Statement, TableRef
from advisor.parse.predicates import walk
from advisor.parse.statement import analyse
from advisor.whatif.costs import WhatIf
from advisor.whatif.explain import Explainer
from advisor.whatif.hypopg import HypoPG

MIN_COST_IMPROVEMENT = 1.003
MAX_WIDTH = 2
MB = 1000 * 1000


@dataclass(frozen=True)
class Column:
    table: TableRef
    name: str


@dataclass(frozen=True)
class ExtendResult:
    indexes: tuple[IndexSpec, ...]
    hypopg_sizes: dict[IndexSpec, int]
    cost_before: float
    cost_after: float
    explain_calls: int
    seconds: float
    skipped: tuple[str, ...]  # statements the parser or the planner refused

    def report(self, conn: psycopg.Connection[Any]) -> dict[str, Any]:
        """The set in the shape of ``advisor analyze --format json`` (the keys the benchmarks
        read), so that it is evaluated, built and timed exactly like the advisor's."""
        taken: set[str] = set()
        recommendations = []
        for spec in self.indexes:
            name = ddl.index_name(spec, taken)
            taken.add(name)
            create = ddl.create_index(spec, name, concurrently=True, if_not_exists=True)
            drop = ddl.drop_index(spec.table.schema, name, concurrently=True, if_exists=True)
            recommendations.append(
                {
                    "schema": spec.table.schema,
                    "table": spec.table.name,
                    "name": name,
                    "method": spec.method,
                    "columns": list(spec.key_texts),
                    "include": [],
                    "where": None,
                    "create_sql": create.as_string(conn),
                    "drop_sql": drop.as_string(conn),
                    "estimated_size_bytes": self.hypopg_sizes[spec],
                }
            )
        return {
            "recommendations": recommendations,
            "statements": [],
            "skipped": [{"query": q, "reason": "not planned by Extend"} for q in self.skipped],
            "workload": {
                "cost_before": self.cost_before,
                "cost_after": self.cost_after,
                "explain_calls": self.explain_calls,
                "elapsed_seconds": self.seconds,
            },
        }


def indexable_columns(parsed: ParsedStatement, catalog: Catalog) -> frozenset[Column]:
    """The columns of the statement's tables that it names anywhere."""
    node = parse_sql(parsed.plan_sql)[0].stmt
    if node is None:
        return frozenset()
    names = {
        f.sval
        for n in walk(node)
        if isinstance(n, ast.ColumnRef)
        for f in n.fields or ()
        if isinstance(f, ast.String) and f.sval
    }
    return frozenset(
        Column(ref, c.name)
        for ref in parsed.tables
        for c in catalog.tables[ref].columns
        if c.name in names
    )


class Extend:
    def __init__(
        self,
        conn: psycopg.Connection[Any],
        statements: Sequence[str],
        *,
        budget_bytes: float,
        max_width: int = MAX_WIDTH,
        min_cost_improvement: float = MIN_COST_IMPROVEMENT,
    ) -> None:
        self.conn = conn
        self.budget = budget_bytes
        self.max_width = max_width
        self.min_cost_improvement = min_cost_improvement
        catalog = read_catalog(conn)
        row = conn.execute(
            "SELECT n.nspname, e.extversion FROM pg_catalog.pg_extension e"
            " JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'hypopg'"
        ).fetchone()
        if row is None:
            raise RuntimeError("Extend needs HypoPG in the database")
        self.hypo = HypoPG(conn, str(row[0]), str(row[1]))
        self.whatif = WhatIf(self.hypo, Explainer(conn, conn.info.server_version))
        self.queries: list[tuple[ParsedStatement, frozenset[Column]]] = []
        self.skipped: list[str] = []
        for i, text in enumerate(statements):
            found = analyse(Statement(i, (i,), text, 1, 0.0, 0.0), catalog)
            if isinstance(found, ParsedStatement):
                self.queries.append((found, indexable_columns(found, catalog)))
            else:
                self.skipped.append(text)
        self._costs: dict[tuple[int, frozenset[IndexSpec]], float] = {}

    def cost(self, config: Sequence[IndexSpec]) -> float:
        total = 0.0
        for i, (parsed, columns) in enumerate(self.queries):
            relevant = frozenset(
                s for s in config if any(Column(s.table, k) in columns for k in s.key_texts)
            )
            key = (i, relevant)
            if key not in self._costs:
                self._costs[key] = self.whatif.cost(parsed, relevant).total_cost
            total += self._costs[key]
        return total

    def size(self, spec: IndexSpec) -> int:
        return self.whatif.size(spec)

    def select(self) -> ExtendResult:
        started = time.monotonic()
        self.hypo.reset()
        columns = sorted(
            {c for _, cols in self.queries for c in cols}, key=lambda c: (c.table, c.name)
        )
        singles = [IndexSpec(c.table, (IndexKey(c.name),)) for c in columns]
        chosen: list[IndexSpec] = []
        current = before = self.cost(chosen)
        while True:
            used = sum(self.size(s) for s in chosen)
            best: tuple[float, list[IndexSpec], float] | None = None  # ratio, config, cost
            for spec in singles:
                if spec in chosen or self.size(spec) + used > self.budget:
                    continue
                best = self._better(best, [*chosen, spec], current, self.size(spec))
            for column in columns:
                for position, index in enumerate(chosen):
                    if len(index.keys) >= self.max_width or index.table != column.table:
                        continue
                    if column.name in index.key_texts:
                        continue
                    wider = IndexSpec(index.table, (*index.keys, IndexKey(column.name)))
                    if wider in chosen:
                        continue
                    config = chosen[:position] + chosen[position + 1 :] + [wider]
                    delta = self.size(wider) - self.size(index)
                    best = self._better(best, config, current, delta)
            if best is None:
                break
            _ratio, chosen, current = best
        sizes = {s: self.size(s) for s in chosen}
        self.hypo.reset()
        return ExtendResult(
            indexes=tuple(chosen),
            hypopg_sizes=sizes,
            cost_before=before,
            cost_after=current,
            explain_calls=self.whatif.explainer.calls,
            seconds=time.monotonic() - started,
            skipped=tuple(self.skipped),
        )

    def _better(
        self,
        best: tuple[float, list[IndexSpec], float] | None,
        config: list[IndexSpec],
        current: float,
        size_delta: float,
    ) -> tuple[float, list[IndexSpec], float] | None:
        cost = self.cost(config)
        if cost * self.min_cost_improvement >= current or size_delta == 0:
            return best
        if sum(self.size(s) for s in config) > self.budget:
            return best
        ratio = (current - cost) / size_delta
        if ratio <= 0 or (best is not None and ratio <= best[0]):
            return best
        return ratio, config, cost


def run_extend(dsn: str, statements: Sequence[str], budget_bytes: float) -> dict[str, Any]:
    """Extend's set for the statements at a budget (HypoPG bytes), as an advisor-like report."""
    with psycopg.connect(
        dsn, autocommit=True, prepare_threshold=None,
        options="-c pg_stat_statements.track=none",
    ) as conn:  # fmt: skip
        result = Extend(conn, statements, budget_bytes=budget_bytes).select()
        return result.report(conn)
