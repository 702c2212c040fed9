"""Greedy selection across the whole workload.

1. For every statement, plan it once with all its candidates present: the indexes that plan reads
   form the statement's *bundle*. Statements whose bundle does not improve them by
   ``min_improvement`` get a reason and leave the search.
2. Greedy rounds: among single indexes from the bundles, and whole bundles (indexes interact: a
   join may need an index on both sides), add the one with the highest workload benefit
   (``weight x relative cost reduction``) that improves at least one statement by
   ``min_improvement``; after each pick, drop chosen indexes no plan reads any more.
3. Stop when nothing qualifies or the index count budget is reached.
4. Drop every chosen index whose removal costs no statement ``min_improvement`` or more: a
   bundle can carry a passenger that the plan reads but barely profits from.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from advisor.model import IndexSpec
from advisor.selection.base import Selection, WorkloadItem
from advisor.settings import Settings
from advisor.whatif.costs import WhatIf

log = logging.getLogger(__name__)


class GreedySelector:
    def __init__(self, whatif: WhatIf, settings: Settings) -> None:
        self.whatif = whatif
        self.settings = settings

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
            if not used or gain < self.settings.min_improvement:
                reasons[item.key] = (
                    f"best candidates improve it only by {max(gain, 0.0):.0%} "
                    f"(threshold {self.settings.min_improvement:.0%})"
                )
                continue
            bundles[item.key] = frozenset(used)
        return bundles, reasons

    def select(
        self, items: list[WorkloadItem], candidates: dict[str, tuple[IndexSpec, ...]]
    ) -> Selection:
        bundles, rejected = self.bundles(items, candidates)
        options: list[frozenset[IndexSpec]] = []
        for bundle in bundles.values():
            for spec in bundle:
                if frozenset([spec]) not in options:
                    options.append(frozenset([spec]))
            if len(bundle) > 1 and bundle not in options:
                options.append(bundle)
        by_table: dict[object, list[WorkloadItem]] = {}
        for item in items:
            for table in item.parsed.tables:
                by_table.setdefault(table, []).append(item)

        chosen: list[IndexSpec] = []
        current = {item.key: item.base_cost for item in items}
        rounds = 0
        limit = self.settings.max_indexes
        while limit is None or len(chosen) < limit:
            rounds += 1
            best: tuple[float, frozenset[IndexSpec]] | None = None
            for option in options:
                new = option - set(chosen)
                if not new or (limit is not None and len(chosen) + len(new) > limit):
                    continue
                config = [*chosen, *new]
                affected = {i.key: i for s in new for i in by_table.get(s.table, [])}
                gain, qualifies = 0.0, False
                for item in affected.values():
                    cost = self._cost(item, config)
                    before = current[item.key]
                    if item.base_cost > 0:
                        gain += item.weight * (before - cost) / item.base_cost
                    if before > 0 and (before - cost) / before >= self.settings.min_improvement:
                        qualifies = True
                if qualifies and gain > 0 and (best is None or gain > best[0]):
                    best = (gain, new)
            if best is None:
                break
            chosen.extend(sorted(best[1], key=lambda s: s.describe()))
            log.debug("round %d: picked %s", rounds, [s.describe() for s in best[1]])
            chosen = self._prune(items, chosen)
            current = {item.key: self._cost(item, chosen) for item in items}

        chosen = self._drop_weak(items, chosen)
        current = {item.key: self._cost(item, chosen) for item in items}
        used_by: dict[IndexSpec, list[str]] = {spec: [] for spec in chosen}
        for item in items:
            for spec in self.whatif.used_specs(item.parsed, chosen):
                used_by[spec].append(item.key)
        for item in items:
            if item.key in bundles and not any(item.key in v for v in used_by.values()):
                rejected[item.key] = (
                    "its candidates were not selected: their benefit to the workload was smaller "
                    "than other indexes' or the index budget was reached"
                )
        return Selection(
            chosen=tuple(chosen),
            costs=current,
            used_by={k: tuple(v) for k, v in used_by.items()},
            rejected=rejected,
            rounds=rounds,
        )

    def _drop_weak(self, items: list[WorkloadItem], chosen: list[IndexSpec]) -> list[IndexSpec]:
        kept = list(chosen)
        for spec in reversed(chosen):  # the latest picks are the least valuable
            without = [s for s in kept if s != spec]
            essential = False
            for item in items:
                if spec.table not in item.parsed.tables:
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

    def _prune(self, items: list[WorkloadItem], chosen: list[IndexSpec]) -> list[IndexSpec]:
        """Keep only chosen indexes that some statement's plan still reads."""
        used: set[IndexSpec] = set()
        for item in items:
            if any(s.table in item.parsed.tables for s in chosen):
                used |= self.whatif.used_specs(item.parsed, chosen)
        return [s for s in chosen if s in used]
