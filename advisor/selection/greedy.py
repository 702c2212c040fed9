"""Greedy selection across the whole workload, under budgets, with write costs subtracted.

1. **Bundles.** Every statement is planned once with all its candidates present; the indexes that
   plan reads are its bundle. A statement no candidate improves at all gets a reason and leaves
   the search; ``min_improvement`` does not prune bundles (it judges the advice, below).
2. **Moves.** Each round weighs three kinds of move: add one index of a bundle; add a whole
   bundle (indexes interact: a join may need an index on both sides); or *extend* a chosen index
   by one more key column that the workload uses on its table, replacing it (the idea of the
   Extend algorithm of Schlosser, Kossmann and Boissier, 2019: widening an index often buys
   more per byte than adding one). Moves are evaluated lazily: gains shrink as indexes are
   added, so a move's last score bounds its next one and most moves are not re-planned every
   round. A move is priced only on the statements that use its leading key on its table.
3. **Score.** A move's gain is the sum over the statements it touches of
   ``weight x (cost_before_move - cost_after_move) / baseline_cost``, where the weight is the
   statement's measured time; minus the write cost of the indexes it adds (``overhead``). Without a
   size budget the move with the largest net gain wins; with one, the largest net gain per byte
   that still fits. A move must improve at least one statement by ``min_improvement``, and save
   at least ``min_workload_gain`` of the workload's total time (off by default).
4. **Pruning.** After each move, chosen indexes that no plan reads any more are dropped; at the
   end, so is every index whose removal costs no statement ``min_improvement``.
5. **Smaller when close.** A chosen index is swapped for a smaller substitute (the same keys
   without INCLUDE columns or with a predicate, or another method on the same leading key, such
   as a BRIN for a B-tree) when no statement it serves gets more than ``min_improvement``
   costlier. Fewer key columns are not a substitute: estimates for a typical value hide skewed
   ones, and the wider key keeps ORDER BY ... LIMIT fast for every value.
6. **Narrower when the last bytes do not pay** (``narrow``): an INCLUDE list or trailing key
   columns that save less than a quarter of what the narrower index saves per byte go, except
   keys a statement orders by under a LIMIT; and an index that saves per byte less than a
   tenth of what the median advised index saves goes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from advisor.model import IndexKey, IndexSpec, Role, TableRef
from advisor.selection.base import Selection, WorkloadItem
from advisor.selection.narrow import drop_inefficient, narrow
from advisor.settings import Settings
from advisor.whatif.costs import WhatIf

log = logging.getLogger(__name__)

MAX_ROUNDS = 100_000  # a safety net only: every round adds or widens an index
MIN_SIZE_FOR_RATIO = 64 * 1024  # bytes: keeps per-byte scores of tiny indexes finite


@dataclass(frozen=True)
class Move:
    add: frozenset[IndexSpec]
    remove: frozenset[IndexSpec] = frozenset()

    @property
    def tables(self) -> set[TableRef]:
        return {s.table for s in self.add | self.remove}


def _ordered(specs: Iterable[IndexSpec]) -> list[IndexSpec]:
    """``specs`` in a fixed order. A set's order follows Python's per-process string hashing:
    sums of floats in that order, ties resolved in it, and hypothetical indexes created in it
    (the planner breaks cost ties by index oid) would make the same analysis differ between
    two runs."""
    return sorted(specs, key=IndexSpec.describe)


def _substitutes(candidate: IndexSpec, chosen: IndexSpec) -> bool:
    if candidate.method == chosen.method:
        return candidate.keys == chosen.keys
    return candidate.keys[:1] == chosen.keys[:1]


class GreedySelector:
    def __init__(
        self,
        whatif: WhatIf,
        settings: Settings,
        *,
        size_of: Callable[[IndexSpec], int],
        overhead_of: Callable[[IndexSpec], float] = lambda _spec: 0.0,
    ) -> None:
        self.whatif = whatif
        self.settings = settings
        self.size_of = size_of
        self.overhead_of = overhead_of
        self.min_gain = 0.0
        self._widened: dict[IndexSpec, list[Move]] = {}
        self.bundle_gains: dict[str, float] = {}  # statement -> gain of its all-candidates plan

    def _cost(self, item: WorkloadItem, config: Iterable[IndexSpec]) -> float:
        return self.whatif.cost(item.parsed, config).total_cost

    def bundles(
        self, items: list[WorkloadItem], candidates: dict[str, tuple[IndexSpec, ...]]
    ) -> tuple[dict[str, frozenset[IndexSpec]], dict[str, str]]:
        """Per statement: the candidates its all-candidates plan reads, or why there are none."""
        bundles: dict[str, frozenset[IndexSpec]] = {}
        reasons: dict[str, str] = {}
        for item in items:
            specs = candidates.get(item.key, ())
            if not specs:
                continue
            used = self.whatif.used_specs(item.parsed, specs)
            best = self._cost(item, specs)
            gain = 1 - best / item.base_cost if item.base_cost > 0 else 0.0
            if not used or gain <= 0:
                reasons[item.key] = "no candidate index makes its plan cheaper"
                continue
            # --min-improvement judges the final advice, not the bundles: a small gain on a
            # long statement may be worth more than a large one on a short one, and widening
            # an index can take a statement further than its bundle
            bundles[item.key] = frozenset(used)
            self.bundle_gains[item.key] = gain
        return bundles, reasons

    @staticmethod
    def _keys_by_table(items: list[WorkloadItem]) -> dict[TableRef, dict[IndexKey, None]]:
        """The keys the workload uses on each table, in first-seen order (extension material)."""
        keys: dict[TableRef, dict[IndexKey, None]] = {}
        for item in items:
            for use in item.parsed.uses:
                if use.role is not Role.GROUP_BY:
                    keys.setdefault(use.table, {})[use.key.column] = None
        return keys

    def _extensions(
        self, chosen: list[IndexSpec], keys_by_table: dict[TableRef, dict[IndexKey, None]]
    ) -> list[Move]:
        """Chosen B-trees widened by one key the workload uses on their table."""
        taken = set(chosen)
        moves = []
        for spec in chosen:
            if spec not in self._widened:
                self._widened[spec] = self._widen(spec, keys_by_table)
            moves += [m for m in self._widened[spec] if not m.add & taken]
        return moves

    def _widen(
        self, spec: IndexSpec, keys_by_table: dict[TableRef, dict[IndexKey, None]]
    ) -> list[Move]:
        if spec.method != "btree" or spec.where or len(spec.keys) >= self.settings.max_key_columns:
            return []
        return [
            Move(frozenset([IndexSpec(spec.table, (*spec.keys, key), spec.method)]),
                 frozenset([spec]))
            for key in keys_by_table.get(spec.table, {})
            if key not in {k.column for k in spec.keys}
        ]  # fmt: skip

    def select(
        self, items: list[WorkloadItem], candidates: dict[str, tuple[IndexSpec, ...]]
    ) -> Selection:
        bundles, rejected = self.bundles(items, candidates)
        self.min_gain = self.settings.min_workload_gain * sum(i.weight for i in items)
        adds: list[Move] = []
        wanted = {s for bundle in bundles.values() for s in bundle}
        budget = self.settings.max_size_bytes
        if budget is not None and sum(self.size_of(s) for s in _ordered(wanted)) > budget:
            # the all-candidates plans prefer more than fits: every candidate of an
            # improvable statement becomes a move of its own, smaller ones included
            for key in bundles:
                for spec in candidates.get(key, ()):
                    if Move(frozenset([spec])) not in adds:
                        adds.append(Move(frozenset([spec])))
        for bundle in bundles.values():
            for spec in sorted(bundle, key=lambda s: s.describe()):
                if Move(frozenset([spec])) not in adds:
                    adds.append(Move(frozenset([spec])))
            if len(bundle) > 1 and Move(bundle) not in adds:
                adds.append(Move(bundle))
        # a statement can only profit from an index whose leading key it uses on that table
        # (a key no statement names, such as a row-level security policy's column, falls back to
        # every statement on the table)
        by_lead: dict[tuple[TableRef, IndexKey | None], list[WorkloadItem]] = {}
        for item in items:
            for use in item.parsed.uses:
                users = by_lead.setdefault((use.table, use.key.column), [])
                if item not in users:
                    users.append(item)
            for table in item.parsed.tables:
                by_lead.setdefault((table, None), []).append(item)

        chosen: list[IndexSpec] = []
        current = {item.key: item.base_cost for item in items}
        rounds = 0
        bounds: dict[Move, float] = {}  # the last score of each move: an upper bound (lazy greedy)
        keys_by_table = self._keys_by_table(items)
        while rounds < MAX_ROUNDS:
            rounds += 1
            best: tuple[float, Move] | None = None
            moves = adds + self._extensions(chosen, keys_by_table)
            moves.sort(key=lambda m: bounds.get(m, float("inf")), reverse=True)
            for move in moves:
                if best is not None and bounds.get(move, float("inf")) <= best[0]:
                    break  # gains shrink as indexes are added: no later move can win
                scored = self._score(move, chosen, current, by_lead)
                bounds[move] = scored if scored is not None else float("-inf")
                if scored is not None and (best is None or scored > best[0]):
                    best = (scored, move)
            if best is None:
                break
            move = best[1]
            chosen = [s for s in chosen if s not in move.remove]
            chosen += sorted(move.add - set(chosen), key=lambda s: s.describe())
            log.debug("round %d: %s (%.4g)", rounds, [s.describe() for s in move.add], best[0])
            touched = move.tables
            chosen = self._prune(items, chosen, touched)
            for item in items:  # only statements on the move's tables can change cost
                if touched.intersection(self.whatif.tables_of(item.parsed)):
                    current[item.key] = self._cost(item, chosen)

        chosen = self._drop_weak(items, chosen)
        pool = {s for specs in candidates.values() for s in specs}
        chosen = self._prefer_smaller(items, chosen, pool)
        chosen = self._merge(items, chosen)
        chosen = narrow(self.whatif, items, chosen, self.size_of)
        chosen = drop_inefficient(self.whatif, items, chosen, self.size_of)
        current = {item.key: self._cost(item, chosen) for item in items}
        used_by: dict[IndexSpec, list[str]] = {spec: [] for spec in chosen}
        for item in items:
            for spec in self.whatif.used_specs(item.parsed, chosen):
                used_by[spec].append(item.key)
        chosen = [s for s in chosen if used_by[s]]  # the finishing steps may leave one unread
        used_by = {s: keys for s, keys in used_by.items() if keys}
        for item in items:
            if item.key in bundles and not any(item.key in v for v in used_by.values()):
                rejected[item.key] = self._not_selected(item, bundles[item.key])
        return Selection(
            chosen=tuple(chosen),
            costs=current,
            used_by={k: tuple(v) for k, v in used_by.items()},
            rejected=rejected,
            rounds=rounds,
            over_budget=self._over_budget(wanted, chosen),
        )

    def _over_budget(
        self, wanted: set[IndexSpec], chosen: list[IndexSpec]
    ) -> tuple[IndexSpec, ...]:
        """The indexes the statements' best plans want that a binding budget kept out: none
        chosen on the same table leads with the same key."""
        limit, budget = self.settings.max_indexes, self.settings.max_size_bytes
        binds = (limit is not None and len(wanted) > limit) or (
            budget is not None and sum(self.size_of(s) for s in wanted) > budget
        )
        if not binds:
            return ()
        leads = {(s.table, s.keys[0]) for s in chosen}
        return tuple(
            sorted(
                (s for s in wanted if (s.table, s.keys[0]) not in leads),
                key=lambda s: s.describe(),
            )
        )

    def _not_selected(self, item: WorkloadItem, bundle: frozenset[IndexSpec]) -> str:
        """Why a statement with improving candidates got none, naming what would help."""
        gain = self.bundle_gains.get(item.key, 0.0)
        names = ", ".join(sorted(s.describe() for s in bundle))
        if gain < self.settings.min_improvement:
            return (
                f"its best candidates improve it only by {gain:.0%} (threshold "
                f"{self.settings.min_improvement:.0%}): {names}"
            )
        return (
            "its candidates were not selected: their benefit to the workload, less their "
            f"write cost, was smaller than other indexes' or did not fit the budget; {names} "
            f"would make it {gain:.0%} cheaper"
        )

    def _score(
        self,
        move: Move,
        chosen: list[IndexSpec],
        current: dict[str, float],
        by_lead: dict[tuple[TableRef, IndexKey | None], list[WorkloadItem]],
    ) -> float | None:
        """Net gain of a move (per byte under a size budget), or None when it does not qualify."""
        new = _ordered(move.add - set(chosen))
        removed = _ordered(move.remove)
        if not new or not move.remove <= set(chosen):
            return None
        config = [s for s in chosen if s not in move.remove] + new
        limit = self.settings.max_indexes
        if limit is not None and len(config) > limit:
            return None
        if any(s in self.whatif.refused for s in new):
            return None
        size_delta = sum(self.size_of(s) for s in new) - sum(self.size_of(s) for s in removed)
        budget = self.settings.max_size_bytes
        if budget is not None and sum(self.size_of(s) for s in config) > budget:
            return None
        affected = {  # in a fixed order, so the float sum is the same in every process
            i.key: i
            for s in _ordered(move.add | move.remove)
            for i in by_lead.get((s.table, s.keys[0].column)) or by_lead.get((s.table, None), [])
        }
        gain, qualifies = 0.0, False
        for item in affected.values():
            cost = self._cost(item, config)
            before = current[item.key]
            if item.base_cost > 0:
                gain += item.weight * (before - cost) / item.base_cost
            if before > 0 and (before - cost) / before >= self.settings.min_improvement:
                qualifies = True
        net = gain - sum(self.overhead_of(s) for s in new)
        net += sum(self.overhead_of(s) for s in removed)
        if not qualifies or net <= 0 or net < self.min_gain:
            return None
        if budget is not None:
            return net / max(size_delta, MIN_SIZE_FOR_RATIO)
        return net

    def _prefer_smaller(
        self, items: list[WorkloadItem], chosen: list[IndexSpec], pool: set[IndexSpec]
    ) -> list[IndexSpec]:
        result = list(chosen)
        for spec in chosen:
            users = [i for i in items if spec in self.whatif.used_specs(i.parsed, result)]
            alternatives = sorted(
                (
                    c
                    for c in _ordered(pool)
                    if c.table == spec.table
                    and _substitutes(c, spec)
                    and c not in result
                    and c not in self.whatif.refused
                    and self.size_of(c) < self.size_of(spec)
                ),
                key=lambda c: (self.size_of(c), c.describe()),  # equal sizes: a fixed order
            )
            slack = 1 + self.settings.min_improvement
            for alt in alternatives:
                trial = [alt if s == spec else s for s in result]
                close = all(self._cost(i, trial) <= self._cost(i, result) * slack for i in users)
                if close and users:
                    result = trial
                    break
        return result

    def _merge(self, items: list[WorkloadItem], chosen: list[IndexSpec]) -> list[IndexSpec]:
        """Fold chosen B-trees with the same leading key into one, where the plans allow it.

        Per-statement tuning leaves several indexes that differ only after the first key or in
        their INCLUDE lists. A member alone replaces the group when it keeps every statement
        within ``min_improvement`` of its cost (smallest member first); else the widest member
        with the others' columns included does, when it is smaller than the group and every
        statement keeps at least ``1 - min_improvement`` of its cost reduction (an index-only
        scan over a slightly wider index loses little).
        """
        result = list(chosen)
        groups: dict[tuple[TableRef, IndexKey, str | None], list[IndexSpec]] = {}
        for spec in chosen:
            if spec.method == "btree":
                groups.setdefault((spec.table, spec.keys[0], spec.where), []).append(spec)
        slack = 1 + self.settings.min_improvement
        for group in groups.values():
            if len(group) < 2:
                continue
            widest = max(group, key=lambda s: (len(s.keys), len(s.include)))
            extra = {c for s in group for c in (*s.include, *s.key_texts)} - set(widest.key_texts)
            union = replace(widest, include=tuple(sorted(extra)))
            users = [i for i in items if set(group) & self.whatif.used_specs(i.parsed, result)]
            before = {i.key: self._cost(i, result) for i in users}
            group_size = sum(self.size_of(s) for s in group)
            keep = 1 - self.settings.min_improvement
            replacement = None
            for member in sorted(group, key=self.size_of):
                trial = [s for s in result if s not in group] + [member]
                if all(self._cost(i, trial) <= before[i.key] * slack for i in users):
                    replacement = trial
                    break
            if replacement is None and union not in self.whatif.refused:
                trial = [s for s in result if s not in group] + [union]
                if self.size_of(union) < group_size and all(
                    i.base_cost - self._cost(i, trial) >= keep * (i.base_cost - before[i.key])
                    for i in users
                ):
                    replacement = trial
            if replacement is not None:
                result = replacement
        return result

    def _drop_weak(self, items: list[WorkloadItem], chosen: list[IndexSpec]) -> list[IndexSpec]:
        kept = list(chosen)
        for spec in reversed(chosen):  # the latest picks are the least valuable
            without = [s for s in kept if s != spec]
            essential = False
            for item in items:
                if spec.table not in self.whatif.tables_of(item.parsed):
                    continue
                with_cost = self._cost(item, kept)
                without_cost = self._cost(item, without)
                loss = (without_cost - with_cost) / without_cost if without_cost > 0 else 0.0
                if loss >= self.settings.min_improvement:
                    essential = True
                    break
            if not essential:
                kept = without
        return kept

    def _prune(
        self,
        items: list[WorkloadItem],
        chosen: list[IndexSpec],
        tables: set[TableRef] | None = None,
    ) -> list[IndexSpec]:
        """Keep only chosen indexes that some statement's plan still reads (on ``tables``: the
        indexes elsewhere are untouched by the last move)."""
        scope = {s for s in chosen if tables is None or s.table in tables}
        scope_tables = {s.table for s in scope}
        used: set[IndexSpec] = set()
        for item in items:
            if scope_tables.intersection(self.whatif.tables_of(item.parsed)):
                used |= self.whatif.used_specs(item.parsed, scope)
        return [s for s in chosen if s not in scope or s in used]
