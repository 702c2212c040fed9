"""Price a statement under a set of hypothetical indexes, and never price the same thing twice.

**Derived plans.** When the plan under a configuration C reads the indexes U, every
configuration between U and C has that same plan: it is still available, and nothing cheaper
was (the planner would have taken it under C). Such requests are answered from the known plan,
without an EXPLAIN (``derived`` counts them; ``derive=False`` turns it off). The planner keeps
paths within 1 % of each other by other merits, so a derived cost can differ from a fresh
EXPLAIN by that much at most.

The cost of a statement depends only on the indexes of the tables it reads (and, for partitioned
tables, of the partitions below and the partitioned tables above them), so the memo key is
(the SQL that is planned, the configured indexes on those tables): statements that plan the same
text, such as one template under several queryids that were not merged, are priced once. The
live hypothetical indexes are kept in step with what is asked: indexes on the statement's tables
that are not asked for are dropped, missing ones created; indexes on other tables stay, since
they cannot change this plan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from advisor.db import session
from advisor.model import IndexSpec, ParsedStatement, PlanCost, TableRef
from advisor.whatif import readings
from advisor.whatif.explain import (
    Explainer,
    PlanError,
    Prelude,
    PreludeFailed,
    seq_scan_costs,
    used_index_names,
)
from advisor.whatif.hypopg import HypoError, HypoIndex, HypoPG

log = logging.getLogger(__name__)


class WhatIf:
    def __init__(
        self,
        hypo: HypoPG,
        explainer: Explainer,
        related: Callable[[TableRef], Iterable[TableRef]] | None = None,
        *,
        derive: bool = True,
        barred: Callable[[IndexSpec], str | None] | None = None,
    ) -> None:
        self.hypo = hypo
        # why a spec must not be made (None: it may), e.g. an index apply --validate took back;
        # a barred spec is refused like one HypoPG refuses, at every step of the search
        self.barred = barred
        self.explainer = explainer
        self.derive = derive
        # the tables whose indexes can change the plan of a statement on a table: itself, and
        # for partitions the partitioned tables above and the partitions below (HypoPG applies
        # a parent's hypothetical index to its partitions, and a partition's to scans of it
        # through the parent)
        self.related = related or (lambda ref: (ref,))
        self._tables: dict[tuple[TableRef, ...], frozenset[TableRef]] = {}
        # per planned SQL: (configuration, the hypothetical indexes its plan read, the result)
        self._known: dict[str, list[tuple[frozenset[IndexSpec], frozenset[IndexSpec], PlanCost]]]
        self._known = {}
        self.derived = 0  # plans answered from a known plan instead of an EXPLAIN
        self.live: dict[IndexSpec, HypoIndex] = {}
        self._live_on: dict[TableRef, set[IndexSpec]] = {}  # the live ones, by table
        self._by_name: dict[str, IndexSpec] = {}  # the live ones, by HypoPG's name
        self.refused: dict[IndexSpec, str] = {}
        self.sizes: dict[IndexSpec, int] = {}
        self._memo: dict[tuple[str, frozenset[IndexSpec]], PlanCost] = {}
        self.requests = 0
        self.hits = 0

    def tables_of(self, parsed: ParsedStatement) -> frozenset[TableRef]:
        """The tables whose indexes can change the statement's plan."""
        found = self._tables.get(parsed.tables)
        if found is None:
            found = frozenset(r for table in parsed.tables for r in self.related(table))
            self._tables[parsed.tables] = found
        return found

    def relevant(
        self, parsed: ParsedStatement, config: Iterable[IndexSpec]
    ) -> frozenset[IndexSpec]:
        tables = self.tables_of(parsed)
        return frozenset(s for s in config if s.table in tables and s not in self.refused)

    def reset(self) -> None:
        """Drop every hypothetical index (plans stay memoized)."""
        self.hypo.reset()
        self.live.clear()
        self._live_on.clear()
        self._by_name.clear()

    def _reset_if_needed(self) -> None:
        if self.hypo.needs_reset:
            self.reset()

    def _keep(self, spec: IndexSpec, index: HypoIndex) -> None:
        self.live[spec] = index
        self._live_on.setdefault(spec.table, set()).add(spec)
        self._by_name[index.name] = spec

    def _forget(self, spec: IndexSpec) -> HypoIndex:
        index = self.live.pop(spec)
        self._live_on[spec.table].discard(spec)
        self._by_name.pop(index.name, None)
        return index

    def _drop(self, spec: IndexSpec) -> None:
        self.hypo.drop(self._forget(spec))

    def _changes(
        self, parsed: ParsedStatement, wanted: frozenset[IndexSpec]
    ) -> tuple[list[IndexSpec], list[IndexSpec]]:
        """The live indexes on the statement's tables that are not wanted, and the wanted ones
        that are not live (less refusals)."""
        self._reset_if_needed()  # not later: a reset would drop what the sync just made
        live = [s for table in self.tables_of(parsed) for s in self._live_on.get(table, ())]
        stale = [s for s in live if s not in wanted]
        # in a fixed order: a hypothetical index's oid comes from its creation, and the planner
        # breaks cost ties by index oid, so a set's (hash-seeded) order would change the plans
        missing = sorted(
            (s for s in wanted if s not in self.live and s not in self.refused),  # not O(live)
            key=IndexSpec.describe,
        )
        return stale, self._unbarred(missing)

    def _unbarred(self, specs: list[IndexSpec]) -> list[IndexSpec]:
        """``specs`` less the barred ones, which are refused from now on."""
        if self.barred is None:
            return specs
        left = []
        for spec in specs:
            why = self.barred(spec)
            if why is None:
                left.append(spec)
            else:
                self.refused[spec] = why
        return left

    def _sync(self, parsed: ParsedStatement, wanted: frozenset[IndexSpec]) -> frozenset[IndexSpec]:
        """Make the live indexes on the statement's tables exactly ``wanted`` (less refusals),
        with one round trip for all the drops and creates."""
        stale, missing = self._changes(parsed, wanted)
        if stale or missing:
            self._made(missing, self.hypo.replace([self._forget(s) for s in stale], missing))
        return frozenset(s for s in wanted if s not in self.refused)

    def _made(self, specs: list[IndexSpec], made: Sequence[HypoIndex | HypoError]) -> None:
        for spec, index in zip(specs, made, strict=True):
            if isinstance(index, HypoError):
                self.refused[spec] = str(index)
            else:
                self._keep(spec, index)

    def _plan(
        self, parsed: ParsedStatement, wanted: frozenset[IndexSpec]
    ) -> tuple[frozenset[IndexSpec], dict[str, Any] | None]:
        """The live indexes made ``wanted`` (less refusals), and the plan under them: in one round
        trip when HypoPG is expected to take every missing index (None when a new refusal
        changed what is planned: the caller looks that up first)."""
        stale, missing = self._changes(parsed, wanted)
        if not (stale or missing) or not self.hypo.takes(missing):
            accepted = self._sync(parsed, wanted)
            return accepted, (self.explainer.plan(parsed) if accepted == wanted else None)
        drops = [self._forget(s) for s in stale]
        prelude = Prelude(self.hypo.statements(drops, missing))
        try:
            plan = self.explainer.plan(parsed, prelude=prelude)
        except PreludeFailed:  # found again one step at a time: a refusal, or the plan's error
            self.hypo.recover(drops)
            self._made(missing, self.hypo.replace([], missing, together=False))
            accepted = frozenset(s for s in wanted if s not in self.refused)
            return accepted, (self.explainer.plan(parsed) if accepted == wanted else None)
        self._made(missing, self.hypo.made(missing, prelude.results))
        accepted = frozenset(s for s in wanted if s not in self.refused)  # less the barred
        return accepted, (plan if accepted == wanted else None)

    def try_create_all(self, specs: Sequence[IndexSpec]) -> list[str | None]:
        """Create each spec's hypothetical index, to learn whether the server accepts it; each
        one's refusal (None where made), with one round trip for all those HypoPG is expected
        to take (a statement's candidates: thousands of round trips on a large workload)."""
        self._reset_if_needed()
        missing = [s for s in dict.fromkeys(specs) if s not in self.live and s not in self.refused]
        missing = self._unbarred(missing)
        if missing:
            self._made(missing, self.hypo.replace([], missing))
        return [self.refused.get(s) for s in specs]

    def size(self, spec: IndexSpec, *, keep: bool = True) -> int:
        """HypoPG's size estimate, in bytes (measured once per spec). ``keep=False`` drops a
        hypothetical index made only to be measured: one on a partition must not stay in the
        plans of statements on its parent."""
        if spec not in self.sizes:
            index = self.live.get(spec)
            made = index is None
            if index is None:
                self._reset_if_needed()
                index = self.hypo.create(spec)
                self._keep(spec, index)
            self.sizes[spec] = index.size
            if made and not keep:
                self._drop(spec)
        return self.sizes[spec]

    def baseline(self, parsed: ParsedStatement) -> tuple[ParsedStatement, PlanCost, dict[str, Any]]:
        """The statement as it will be priced, its cost without hypothetical indexes, and its
        plan tree (each text planned once). With a wide reading (``readings``) the cost is both
        readings' and the tree the narrow one's; a wide reading that does not plan is dropped,
        and the statement stands without it. ``PlanError`` when the narrow one does not plan."""
        narrow, tree = self._baseline(readings.narrow(parsed))
        if parsed.wide_sql is None:
            return parsed, narrow, tree
        try:
            wide, _ = self._baseline(readings.wide(parsed))
        except PlanError:
            return readings.narrow(parsed), narrow, tree
        return parsed, readings.combine(narrow, wide), tree

    def _baseline(self, parsed: ParsedStatement) -> tuple[PlanCost, dict[str, Any]]:
        """One text's cost without hypothetical indexes, and its plan tree."""
        _, plan = self._plan(parsed, frozenset())
        assert plan is not None  # nothing to refuse in an empty configuration
        result = PlanCost(float(plan["Total Cost"]), used_index_names(plan), seq_scan_costs(plan))
        self._memo[(parsed.plan_sql, frozenset())] = result
        return result, plan

    def without_nested_loops(self, parsed: ParsedStatement) -> dict[str, Any] | None:
        """The plan tree of ``parsed`` (its narrow reading, no hypothetical index) with
        ``enable_nestloop`` off for the one EXPLAIN (``plan_risk.hedge``); None when it does not
        plan. Not memoized: the setting is not part of any configuration."""
        narrow = readings.narrow(parsed)
        self._sync(narrow, frozenset())
        try:
            with session.pinned(self.explainer.conn, "enable_nestloop", "off"):
                return self.explainer.plan(narrow)
        except PlanError:
            return None

    def cost(self, parsed: ParsedStatement, config: Iterable[IndexSpec]) -> PlanCost:
        if parsed.wide_sql is not None:
            narrow = self.cost(readings.narrow(parsed), config)
            return readings.combine(narrow, self.cost(readings.wide(parsed), config))
        wanted = self.relevant(parsed, config)
        key = (parsed.plan_sql, wanted)
        self.requests += 1
        cached = self._memo.get(key)
        if cached is not None:
            self.hits += 1
            return cached
        if self.derive:
            for config, read, known in self._known.get(parsed.plan_sql, ()):
                if read <= wanted <= config:
                    self.derived += 1
                    self._memo[key] = known
                    return known
        accepted, plan = self._plan(parsed, wanted)
        if accepted != wanted:
            key = (parsed.plan_sql, accepted)
            if key in self._memo:
                return self._memo[key]
        if plan is None:
            plan = self.explainer.plan(parsed)
        names = used_index_names(plan)
        used = frozenset(self._by_name[n].describe() if n in self._by_name else n for n in names)
        result = PlanCost(float(plan["Total Cost"]), used, seq_scan_costs(plan))
        self._memo[key] = result
        if self.derive:
            read = frozenset(s for s in accepted if s.describe() in used)
            self._known.setdefault(parsed.plan_sql, []).append((accepted, read, result))
        log.debug("what-if cache: %d hits of %d requests", self.hits, self.requests)
        return result

    def used_specs(self, parsed: ParsedStatement, config: Iterable[IndexSpec]) -> set[IndexSpec]:
        """Which of the configured indexes the statement's plan reads."""
        wanted = self.relevant(parsed, config)
        result = self.cost(parsed, wanted)
        return {s for s in wanted if s.describe() in result.used_indexes}
