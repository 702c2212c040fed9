"""Greedy selection across the whole workload, under budgets, with write costs subtracted.

1. **Bundles.** Every statement is planned once with all its candidates present; the indexes that
   plan reads are its bundle. A statement no candidate improves at all gets a reason and leaves
   the search; ``min_improvement`` does not prune bundles (it judges the advice, below).
2. **Moves.** Each round weighs three kinds of move: add one index of a bundle; add a whole
   bundle (indexes interact: a join may need an index on both sides); or *extend* a chosen index
   by one more key column that the workload uses on its table, replacing it (the idea of the
   Extend algorithm of Schlosser, Kossmann and Boissier, 2019: widening an index often buys
   more per byte than adding one). A move is priced only on the statements that use its leading
   key on its table.
3. **Score.** A move's gain is the sum over the statements it touches of
   ``weight x (cost_before_move - cost_after_move) / baseline_cost``, where the weight is the
   statement's measured time; minus the write cost of the indexes it adds (``overhead``). Without a
   size budget the move with the largest net gain wins; with one, the largest net gain per byte
   that still fits; among equal scores, the move seen first. A move must improve at least one
   statement by ``min_improvement``, and save at least ``min_workload_gain`` of the workload's
   total time (off by default).
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
7. **Resumed when the finishing steps free something a limit held back.** Under a size budget or
   ``--max-indexes``, steps 4-6 can free much of the budget (on TPC-H at 250 MB, narrowing turned
   a 188 MB index into a 44 MB one) or index slots. The rounds then resume from the finished
   set, with fresh bounds for the moves on the tables that changed, and the finishing steps run
   again on what they add, until they change nothing or no move qualifies (at most
   ``MAX_PASSES`` times). What a finishing step took out stays out, and so do wider forms of an
   index it narrowed: the search does not buy back the bytes it judged not worth their cost.
   Without a limit, what the steps free was never out of the rounds' reach: no resume.

**Speed.** The work of a round does not grow with the workload:

- *Re-priced only when touched.* A statement's cost depends only on the indexes of its tables
  (``Config.on``). After a move, only the statements on the move's tables are re-priced, and only
  the moves that read one of them lose their cached gain, and only those statements' terms of
  it: the terms of the others are kept (``_Search.parts``); every other move keeps its score
  without a plan or a loop over its statements.
- *Lazy evaluation.* Moves wait in a heap by their last score (``MoveQueue``), or before their
  first by what their statements could gain at most (their distance to the all-candidates
  plan; ``_first_bound``). Gains usually shrink as indexes are added, so the last score bounds
  the next one: a round re-scores moves from the top until the best fresh score beats every
  remaining bound, and skips the what-if calls of the others; a move that did not qualify
  stays out. That is an assumption, not a law: the second index of a join can gain once the
  first is chosen. Before a move is planned, its bound is computed again from the current
  costs; when that is lower (its statements got cheaper, or none of them can improve by
  ``min_improvement`` any more), it goes back in the queue with it instead.
  ``exhaustive_search`` (``--exhaustive-search``) re-scores every move every round instead.
- *Old terms bound new ones.* When a move makes a statement cheaper, every other move's term
  for that statement is stale, and its last value stays as the bound of the next one, not the
  statement's whole distance to its all-candidates cost: a move is then planned for it only
  while that could still lift it to the round's best. A statement the move did not make
  cheaper keeps no such bound: an index that did nothing alone can do much beside another
  (``a = $1 OR c = $2``), and a later re-pricing that does not make it cheaper voids the
  bounds kept before (``_Search.epochs``). It spares few plans: 1 % on TPC-DS, 8 % on the
  star benchmark at default settings.
- *A second chance for joins.* The all-candidates cost of a statement assumes its own
  candidates are its best indexes; another statement's index on one side of a join can prove
  that wrong, and an add ruled out against it stays out. When no move qualifies, the joins'
  all-candidates costs are planned again with the chosen indexes, and the adds that can now
  qualify get another chance (``_second_chance``).
- *Only what a move can change.* A move is priced on the statements that use the leading key
  of its index; a widening only on those that use or read its new key and those whose plan
  reads the index it widens. After a move only those are re-planned; the others keep plans
  the move offers nothing to.
- *Plans that cannot change.* When an index is considered for dropping, statements whose plan
  does not read it are not planned again: without the index, the same plan is still the best.
- *Bounds before plans.* A move is planned only while its bound can still qualify and beat the
  round's best: a widening counts only the statements the wider index can serve better
  (``_widening_helps``), and a move's statements are planned largest possible gain first, until
  what is left cannot lift it to the round's best. The first finishing steps read the rounds'
  record of each statement while the set on its tables is the one the rounds left
  (``_recorded``).
- *Limits.* ``--max-explains`` and ``--time-limit`` stop the search; the set chosen so far is the
  advice and ``Selection.unevaluated`` says what was left out.

``shortcuts=False`` runs the same search the plain way (a sorted list of every move each round,
every gain planned afresh, every statement re-planned); tests compare the two.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from advisor.model import IndexKey, IndexSpec, Role, TableRef
from advisor.selection.base import Selection, WorkloadItem
from advisor.selection.config import Config
from advisor.selection.limits import SearchLimit, Unevaluated, unlimited
from advisor.selection.moves import Move, MoveQueue
from advisor.selection.narrow import drop_inefficient, narrow, narrower_forms
from advisor.settings import Settings
from advisor.whatif.costs import WhatIf

log = logging.getLogger(__name__)

MAX_ROUNDS = 100_000  # a safety net only: every round adds or widens an index
MAX_PASSES = 8  # searches resumed after the finishing steps (each bars what they removed)
MIN_SIZE_FOR_RATIO = 64 * 1024  # bytes: keeps per-byte scores of tiny indexes finite
NOT_PRICED = "not evaluated: {limit} was reached before its candidates were priced"

Lead = tuple[TableRef, IndexKey | None]


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


def _extends(spec: IndexSpec, form: IndexSpec) -> bool:
    """Whether ``spec`` is ``form`` with more key or INCLUDE columns (B-trees, same predicate)."""
    return (
        spec != form
        and spec.method == form.method == "btree"
        and spec.where == form.where
        and spec.keys[: len(form.keys)] == form.keys
    )


def _lead(spec: IndexSpec) -> IndexKey:
    return spec.keys[0].column


def _needs(item: WorkloadItem, table: TableRef, key: IndexKey) -> bool:
    """Whether a statement uses the key on the table, or reads the column (or every column)."""
    parsed = item.parsed
    if any(u.table == table and u.key.column == key for u in parsed.uses):
        return True
    if key.expression:
        return False
    return any(t == table and (cols is None or key.text in cols) for t, cols in parsed.reads)


def _widening_helps(item: WorkloadItem, wider: IndexSpec) -> bool:
    """Whether the statement can gain from ``wider`` over the index it widens by its last key:
    it uses that key on the table, or reads from the table only columns the wider index's keys
    hold (an index-only scan). A column it only reads, among others the index lacks, adds
    nothing: no scan of the wider index skips the heap for it (``SELECT *`` is never covered,
    as covering candidates are not made for it)."""
    parsed = item.parsed
    key = wider.keys[-1].column
    if any(u.table == wider.table and u.key.column == key for u in parsed.uses):
        return True
    if key.expression:
        return False
    columns = next((cols for t, cols in parsed.reads if t == wider.table), None)
    return (
        columns is not None
        and key.text in columns
        and set(columns) <= {k.text for k in wider.keys if not k.expression}
    )


@dataclass
class _Search:
    """The state of the rounds: what is chosen, what each statement costs, cached gains."""

    chosen: Config
    current: dict[str, float]  # statement key -> cost under ``chosen``
    used: dict[str, set[IndexSpec]] = field(default_factory=dict)  # chosen ones its plan reads
    floors: dict[str, float] = field(default_factory=dict)  # cost with all its candidates
    queue: MoveQueue = field(default_factory=MoveQueue)
    size: int = 0  # bytes of the chosen indexes
    gains: dict[Move, tuple[float, bool]] = field(default_factory=dict)
    # per move, per statement it touches: its term of the gain, and whether it improves enough
    parts: dict[Move, dict[str, tuple[float, bool]]] = field(default_factory=dict)
    watchers: dict[str, set[Move]] = field(default_factory=dict)  # statement -> cached gains
    # per move, per statement: its last term, kept when an add made the statement cheaper (the
    # bound of the term to come: ``last_term``), with the statement's epoch then
    last: dict[Move, dict[str, tuple[float, int]]] = field(default_factory=dict)
    # per statement: how many times it was re-priced in a way that voids those bounds
    epochs: dict[str, int] = field(default_factory=dict)
    extensions_of: dict[IndexSpec, list[Move]] = field(default_factory=dict)  # by widened index
    adding: dict[IndexSpec, list[Move]] = field(default_factory=dict)  # moves by index added
    barred: set[IndexSpec] = field(default_factory=set)  # removed by a finishing step
    narrowed: dict[TableRef, set[IndexSpec]] = field(default_factory=dict)  # what replaced them

    def on_offer(self, move: Move) -> bool:
        """An add while one of its indexes is not chosen; a widening while the index it widens
        is chosen and its result is not; neither when it adds an index a finishing step judged
        (``stays_out``)."""
        members = self.chosen.members
        if any(self.stays_out(s) for s in move.add):
            return False
        if not move.remove:
            return not move.add <= members
        return move.remove <= members and not move.add & members

    def stays_out(self, spec: IndexSpec) -> bool:
        """Whether a finishing step took the index out, or replaced one by a narrower form that
        ``spec`` widens again: their verdict stands (the extra columns did not pay for their
        bytes), so the search does not buy those bytes back."""
        if spec in self.barred:
            return True
        return any(_extends(spec, form) for form in self.narrowed.get(spec.table, ()))

    def known(self, move: Move) -> None:
        for spec in move.add:
            self.adding.setdefault(spec, []).append(move)

    def forget(self, keys: Iterable[str], *, bounded: bool = False) -> None:
        """These statements were re-priced: the gains computed from their old costs are stale,
        and so are those statements' terms of them (the other terms stand). ``bounded``: an
        index the rounds took made them cheaper, and each old term stays as the bound of the
        new one (what is left to gain shrinks); otherwise what bounded them went too (an index
        that did not help a statement alone can help it beside another: ``a = $1 OR c =
        $2``)."""
        for key in keys:
            if not bounded:  # every move's bound for it, planned since or not
                self.epochs[key] = self.epochs.get(key, 0) + 1
            epoch = self.epochs.get(key, 0)
            for move in self.watchers.pop(key, ()):
                self.gains.pop(move, None)
                part = self.parts.get(move, {}).pop(key, None)
                if bounded and part is not None:
                    self.last.setdefault(move, {})[key] = (part[0], epoch)

    def last_term(self, move: Move, key: str) -> float | None:
        """The move's last term for the statement while it bounds the next one (``forget``)."""
        found = self.last.get(move, {}).get(key)
        if found is None or found[1] != self.epochs.get(key, 0):
            return None
        return found[0]

    def stale(self, move: Move) -> None:
        """The move's configuration changed for all its statements: plan its gain afresh."""
        self.gains.pop(move, None)
        self.parts.pop(move, None)
        self.last.pop(move, None)


class GreedySelector:
    def __init__(
        self,
        whatif: WhatIf,
        settings: Settings,
        *,
        size_of: Callable[[IndexSpec], int],
        overhead_of: Callable[[IndexSpec], float] = lambda _spec: 0.0,
        limit: SearchLimit | None = None,
        lazy: bool = True,
        shortcuts: bool = True,
        served: Callable[[IndexSpec], bool] = lambda _spec: False,
    ) -> None:
        self.whatif = whatif
        self.served = served  # an existing index already does what the spec would
        self.settings = settings
        self.size_of = size_of
        self.overhead_of = overhead_of
        self.limit = limit or unlimited()
        self.lazy = lazy
        self.shortcuts = shortcuts
        self.min_gain = 0.0
        self._by_table: dict[TableRef, list[WorkloadItem]] = {}
        self._by_lead: dict[Lead, list[WorkloadItem]] = {}
        self._keys_by_table: dict[TableRef, dict[IndexKey, None]] = {}
        self._not_priced = 0
        self.bundle_gains: dict[str, float] = {}  # statement -> gain of its all-candidates plan
        self._items: list[WorkloadItem] = []
        self._adds_of: dict[str, list[Move]] = {}  # statement -> the adds that can change it
        self._candidates: dict[str, tuple[IndexSpec, ...]] = {}
        self._search: _Search | None = None  # the rounds' state, for the finishing steps

    # -- pricing -------------------------------------------------------------------------------

    def _tables(self, item: WorkloadItem) -> frozenset[TableRef]:
        """The tables whose indexes can change the statement's plan (partitions' relatives too)."""
        return self.whatif.tables_of(item.parsed)

    def _cost(self, item: WorkloadItem, config: Config | Iterable[IndexSpec]) -> float:
        specs = config.on(self._tables(item)) if isinstance(config, Config) else config
        return self.whatif.cost(item.parsed, specs).total_cost

    def _used(self, item: WorkloadItem, config: Config) -> set[IndexSpec]:
        return self.whatif.used_specs(item.parsed, config.on(self._tables(item)))

    def _recorded(self, item: WorkloadItem, config: Config) -> tuple[float, set[IndexSpec]] | None:
        """The statement's cost and the indexes its plan reads as the rounds left them, when
        ``config`` is, on its tables, the set they ended with (None otherwise). A statement
        the last moves on its tables offered nothing was not planned again (``_apply``): the
        finishing steps take its plan as those moves left it, as the rounds did, instead of
        planning the statements of every table again before changing any index there."""
        search = self._search
        if not self.shortcuts or search is None:
            return None
        tables = self._tables(item)
        if config.on(tables) != search.chosen.on(tables):
            return None
        return search.current[item.key], search.used.get(item.key, set())

    def _cost_as_left(self, item: WorkloadItem, config: Config) -> float:
        recorded = self._recorded(item, config)
        return recorded[0] if recorded is not None else self._cost(item, config)

    def _used_as_left(self, item: WorkloadItem, config: Config) -> set[IndexSpec]:
        recorded = self._recorded(item, config)
        return recorded[1] if recorded is not None else self._used(item, config)

    def _items_on(self, tables: Iterable[TableRef]) -> list[WorkloadItem]:
        """The statements that read any of these tables, in workload order, once each."""
        found = {i.key: i for t in tables for i in self._by_table.get(t, ())}
        return list(found.values())

    def _index(self, items: list[WorkloadItem]) -> None:
        self._items = items
        self._by_table = {}
        self._by_lead = {}
        self._keys_by_table = {}
        for item in items:
            for table in sorted(self._tables(item)):
                self._by_table.setdefault(table, []).append(item)
            for table in dict.fromkeys(item.parsed.tables):
                self._by_lead.setdefault((table, None), []).append(item)
            for use in item.parsed.uses:
                users = self._by_lead.setdefault((use.table, use.key.column), [])
                if not users or users[-1] is not item:
                    users.append(item)
                if use.role is not Role.GROUP_BY:
                    self._keys_by_table.setdefault(use.table, {})[use.key.column] = None

    def _affected(self, move: Move, search: _Search | None = None) -> list[WorkloadItem]:
        """The statements a move can change: those that use the leading key of one of its indexes
        on that table (a key no statement names, such as a row-level security policy's column,
        falls back to every statement on the table).

        A widening changes no more than the statements that use or read its new key, and those
        whose plan reads the index it replaces: to the others the wider index offers nothing
        the narrower one did not, which they did not take.
        """
        found: dict[str, WorkloadItem] = {}
        for spec in _ordered(move.add | move.remove):
            users = self._by_lead.get((spec.table, _lead(spec))) or self._by_lead.get(
                (spec.table, None), []
            )
            for item in users:
                found.setdefault(item.key, item)
        if search is None or len(move.remove) != 1 or len(move.add) != 1:
            return list(found.values())
        (widened,) = move.remove
        key = next(iter(move.add)).keys[-1]
        return [
            item
            for item in found.values()
            if widened in search.used.get(item.key, ()) or _needs(item, widened.table, key)
        ]

    # -- bundles and moves ---------------------------------------------------------------------

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
            if self.limit.spent:
                reasons[item.key] = NOT_PRICED.format(limit=self._limit_name())
                self._not_priced += 1
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

    def _limit_name(self) -> str:
        if self.limit.reached == "time_limit":
            return "--time-limit"
        return "--max-explains"

    def _adds(
        self,
        bundles: dict[str, frozenset[IndexSpec]],
        candidates: dict[str, tuple[IndexSpec, ...]],
    ) -> list[Move]:
        adds: dict[Move, None] = {}
        wanted = {s for bundle in bundles.values() for s in bundle}
        budget = self.settings.max_size_bytes
        if budget is not None and sum(self.size_of(s) for s in _ordered(wanted)) > budget:
            # the all-candidates plans prefer more than fits: every candidate of an
            # improvable statement becomes a move of its own, smaller ones included
            for key in bundles:
                for spec in candidates.get(key, ()):
                    adds.setdefault(Move(frozenset([spec])))
        for bundle in bundles.values():
            for spec in _ordered(bundle):
                adds.setdefault(Move(frozenset([spec])))
            if len(bundle) > 1:
                adds.setdefault(Move(bundle))
        return list(adds)

    def _widen(self, spec: IndexSpec) -> list[Move]:
        """The chosen B-tree widened by one key the workload uses on its table.

        The widened index has no INCLUDE list. For an index without one, only keys that a
        statement the index can serve (one that uses its leading key) uses or reads: the others
        gain nothing from a wider index, only a larger one to scan, so such a move could never
        qualify and is not worth a plan. (Widening a covering index also drops its INCLUDE
        columns, which can pay on its own.)
        """
        if spec.method != "btree" or spec.where or len(spec.keys) >= self.settings.max_key_columns:
            return []
        users = self._by_lead.get((spec.table, _lead(spec))) or self._by_lead.get(
            (spec.table, None), []
        )
        return [
            Move(frozenset([IndexSpec(spec.table, (*spec.keys, key), spec.method)]),
                 frozenset([spec]))
            for key in self._keys_by_table.get(spec.table, {})
            if key not in {k.column for k in spec.keys}
            and (spec.include or any(_needs(u, spec.table, key) for u in users))
        ]  # fmt: skip

    # -- the search ----------------------------------------------------------------------------

    def select(
        self, items: list[WorkloadItem], candidates: dict[str, tuple[IndexSpec, ...]]
    ) -> Selection:
        self._index(items)
        self._not_priced = 0
        bundles, rejected = self.bundles(items, candidates)
        self.min_gain = self.settings.min_workload_gain * sum(i.weight for i in items)
        search = _Search(Config(), {item.key: item.base_cost for item in items})
        self._search = search
        search.floors = self._floors(items, candidates)
        self._adds_of = {}
        self._candidates = candidates
        for move in self._adds(bundles, candidates):
            bound = self._first_bound(move, search)
            if bound == -math.inf:
                continue  # it cannot gain more than its write cost: never worth a plan
            search.known(move)
            for item in self._affected(move):
                self._adds_of.setdefault(item.key, []).append(move)
            search.queue.bounds[move] = bound
            search.queue.offer(move)
        pool = list(dict.fromkeys(s for specs in candidates.values() for s in specs))
        rounds = self._rounds(search, items)
        rounds += self._second_chance(search, items)
        final, skipped = self._finish(search.chosen, pool)
        for _ in range(MAX_PASSES if self._bounded else 0):
            if self.limit.spent or final.members == search.chosen.members:
                break
            # the finishing steps freed bytes, index slots or statements' gains: resume the
            # search from their set, and finish again what it adds
            self._resume(search, final)
            more = self._rounds(search, items)
            if not more:
                break
            rounds += more
            final, skipped = self._finish(search.chosen, pool)
        moves_left = self._unscored(search) if self.limit.spent else 0

        current = {item.key: self._cost(item, final) for item in items}
        used_by: dict[IndexSpec, list[str]] = {spec: [] for spec in final.specs}
        for item in items:
            for spec in self._used(item, final):
                used_by[spec].append(item.key)
        final = Config(
            s for s in final.specs if used_by[s]
        )  # a finishing step may leave one unread
        used_by = {s: keys for s, keys in used_by.items() if keys}
        helped = {key for keys in used_by.values() for key in keys}
        for item in items:
            if item.key in bundles and item.key not in helped:
                rejected[item.key] = self._not_selected(item, bundles[item.key])
        return Selection(
            chosen=tuple(final.specs),
            costs=current,
            used_by={k: tuple(v) for k, v in used_by.items()},
            rejected=rejected,
            rounds=rounds,
            over_budget=self._over_budget({s for b in bundles.values() for s in b}, final.specs),
            unevaluated=Unevaluated(
                limit=self.limit.reached,
                not_priced=self._not_priced,
                moves_left=moves_left,
                rounds=rounds,
                steps_skipped=tuple(skipped),
            ),
        )

    @property
    def _bounded(self) -> bool:
        """Whether a size budget or ``--max-indexes`` limits the set: only then does the search
        resume after the finishing steps. Without either, what they free was never out of the
        rounds' reach; resuming anyway found 1 % more saving on the scale benchmark for 22 % more
        plans and half again the time (docs/benchmarks.md)."""
        return self.settings.max_size_bytes is not None or self.settings.max_indexes is not None

    def _rounds(self, search: _Search, items: list[WorkloadItem]) -> int:
        """Greedy rounds from the search's set until no move qualifies or a limit is reached."""
        rounds = 0
        while rounds < MAX_ROUNDS and not self.limit.spent:
            best = self._round(search)
            if best is None:
                break
            rounds += 1
            self._apply(search, best, items)
        return rounds

    def _second_chance(self, search: _Search, items: list[WorkloadItem]) -> int:
        """When no move qualifies any more: the adds that could not qualify for a join, judged
        again against its all-candidates cost planned with the chosen indexes; rounds resume
        while one of them qualifies (at most ``MAX_PASSES`` times). The rounds it took.

        A statement's own candidates are not always its best indexes: another statement's
        index on one side of a join can let its candidate on the other side do more than all
        its candidates together (TPC-H Q21: 51,979 with its candidates, 42,118 with ``lineitem
        (l_orderkey) INCLUDE (...)``, made for Q5, and its own ``orders (o_orderstatus,
        o_orderkey)``). Judged against the first figure, that add could not take Q21 10 %
        closer and left the search for good; the exhaustive search, which scores every move
        every round, took it then, as its current cost was still above that floor; below it,
        no search plans an add for the statement (``_part``). Once, at the end, costs a plan
        per join: after every round it cost the star benchmark a sixth more plans for
        nothing."""
        rounds = 0
        for _ in range(MAX_PASSES):
            if self.limit.spent or not self._revive(search, items):
                break
            more = self._rounds(search, items)
            if not more:
                break
            rounds += more
        return rounds

    def _revive(self, search: _Search, items: list[WorkloadItem]) -> bool:
        """Lower the all-candidates costs of joins that the chosen indexes take further, and
        offer again the adds that can now qualify; whether one is on offer."""
        queue = search.queue
        revived = False
        for item in items:
            tables = self._tables(item)
            if len(tables) < 2 or item.key not in search.floors or self.limit.spent:
                continue
            own = self._candidates.get(item.key, ())
            chosen = search.chosen.on(tables)
            if not any(s not in own for s in chosen):
                continue  # only its own candidates are chosen: its floor has them already
            floor = self._cost(item, _ordered({*chosen, *own}))
            if floor >= search.floors[item.key]:
                continue
            search.floors[item.key] = floor
            search.forget([item.key])  # its terms were judged against the old floor (``_part``)
            for move in self._adds_of.get(item.key, ()):
                if queue.bound(move) != -math.inf or not search.on_offer(move):
                    continue
                bound = self._first_bound(move, search)
                if bound != -math.inf:
                    queue.bounds[move] = bound
                    queue.offer(move)
                    revived = True
        return revived

    def _finish(self, chosen: Config, pool: list[IndexSpec]) -> tuple[Config, list[str]]:
        """The refinements after the rounds, in order; the names of those a limit skipped."""
        skipped: list[str] = []
        steps: tuple[tuple[str, Callable[[Config], Config]], ...] = (
            ("dropping indexes no statement needs", self._drop_weak),
            ("swapping indexes for smaller ones", lambda c: self._prefer_smaller(c, pool)),
            ("merging indexes with the same leading key", self._merge),
            ("narrowing indexes whose last bytes do not pay", self._narrow),
            ("dropping indexes that save little per byte", self._drop_inefficient),
        )
        for name, step in steps:
            if self.limit.spent:
                skipped.append(name)
            else:
                chosen = step(chosen)
        return chosen, skipped

    def _resume(self, search: _Search, finished: Config) -> None:
        """Make the finished set the search's set, as if the rounds had chosen it.

        The statements on the tables whose indexes changed are re-priced, and every move that
        can change one of them gets its first bound again: its last score was computed against
        indexes that are gone now (a dropped or narrowed index leaves gains to another index),
        and one that did not qualify then may now. The indexes the finishing steps removed stay
        out of the search, and so do wider forms of the narrower ones that replaced them
        (``_Search.stays_out``).
        """
        before = search.chosen
        removed = before.members - finished.members
        search.barred |= removed
        for form in {f for spec in removed for f in narrower_forms(spec)} & finished.members:
            search.narrowed.setdefault(form.table, set()).add(form)
        touched = {s.table for s in before.members ^ finished.members}
        search.chosen = finished
        search.size = sum(self.size_of(s) for s in finished)
        repriced = self._items_on(touched)
        for item in repriced:
            search.current[item.key] = self._cost(item, finished)
            search.used[item.key] = self._used(item, finished)
        search.forget(i.key for i in repriced)
        added = [s for s in finished.specs if s not in before.members]
        self._offer_around(search, touched, added, [s for s in before.specs if s in removed])
        for move in list(search.queue.seq):
            if move.tables & touched:
                search.stale(move)
                search.queue.bounds[move] = self._first_bound(move, search)
                if search.on_offer(move):
                    search.queue.offer(move)

    def _floors(
        self, items: list[WorkloadItem], candidates: dict[str, tuple[IndexSpec, ...]]
    ) -> dict[str, float]:
        """Per statement: its cost with all its candidates (planned by ``bundles`` already)."""
        floors = {}
        for item in items:
            specs = candidates.get(item.key, ())
            if specs and not self.limit.spent:
                floors[item.key] = self._cost(item, specs)
        return floors

    def _first_bound(self, move: Move, search: _Search) -> float:
        """What the move can score at most, from the statements' current costs, without planning
        it: when it is first offered, and again before it would be planned (its costs may have
        fallen since).

        A statement gains at most what separates its current cost from its all-candidates cost
        (a planner with more indexes to choose from never picks a costlier plan, and its
        candidates are the indexes made for its predicates: we take no other index to do better
        for it), or its whole current cost when it has no candidates; from a widening, nothing
        when the wider index can serve it no better (``_widening_helps``). A statement whose
        term of the move's gain is planned and still current counts with that term. A move
        qualifies only when a statement improves by ``min_improvement``: when no gap reaches
        it, the move cannot qualify. A move whose bound cannot qualify is never planned; one
        whose bound cannot beat the best of a round is not planned in that round. (On 1,000
        statements of the scale benchmark, 1,934 of the 2,061 widenings planned did not
        qualify: most for want of a statement that could gain 10 %, the others for a column
        read among many.)
        """
        potential, qualifies = 0.0, False
        for item in self._affected(move, search):
            term, enough = self._term_bound(search, move, item)
            potential += term
            qualifies = qualifies or enough
        net, score = self._net_and_score(move, move.add - search.chosen.members, potential)
        if net <= 0 or net < self.min_gain or not qualifies:
            return -math.inf
        return score

    def _net_and_score(
        self, move: Move, new: frozenset[IndexSpec], gain: float
    ) -> tuple[float, float]:
        """A gain less the upkeep of the indexes the move adds (``new``: those not chosen yet),
        plus the upkeep of those it removes; and that net per byte under a size budget."""
        net = gain - sum(self.overhead_of(s) for s in _ordered(new))  # floats: in one order
        net += sum(self.overhead_of(s) for s in _ordered(move.remove))
        if self.settings.max_size_bytes is None:
            return net, net
        size = sum(self.size_of(s) for s in new) - sum(self.size_of(s) for s in move.remove)
        return net, net / max(size, MIN_SIZE_FOR_RATIO)

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

    def _round(self, search: _Search) -> Move | None:
        """The move of the highest score, ties to the one seen first; None when none qualifies.

        Lazily: moves are taken best bound first and scored until no remaining bound can beat
        (or tie with an earlier) best score. With ``lazy=False`` every move on offer is scored.
        Without ``shortcuts`` the same round runs the plain way (a sorted list of every move on
        offer, every gain planned afresh), which tests compare with.
        """
        if not self.shortcuts:
            return self._plain_round(search)
        queue = search.queue
        best: tuple[float, int, Move] | None = None
        scored: list[Move] = []
        while (move := queue.peek(search.on_offer)) is not None:
            bound, seq = queue.bound(move), queue.number(move)
            if self.lazy and (
                bound == -math.inf or (best is not None and (bound, -seq) < (best[0], -best[1]))
            ):
                break  # nothing below can win; -inf: could not qualify when last scored
            if self.lazy and move not in search.gains:
                fresh = self._first_bound(move, search)
                if fresh < bound:  # its statements got cheaper since: it may not need a plan
                    queue.take(move)
                    queue.bounds[move] = fresh
                    queue.offer(move)
                    continue
            queue.take(move)
            beat = best[0] if best is not None and self.lazy else None
            score, queue.bounds[move] = self._score(search, move, beat)
            scored.append(move)
            if score is not None and (best is None or (score, -seq) > (best[0], -best[1])):
                best = (score, seq, move)
            if self.limit.spent:
                best = None  # an unfinished round: keep the set of the last finished one
                break
        for move in scored:
            queue.offer(move)
        return None if best is None else best[2]

    def _plain_round(self, search: _Search) -> Move | None:
        queue = search.queue
        offered = [m for m in queue.seq if search.on_offer(m)]
        offered.sort(key=lambda m: (-queue.bound(m), queue.number(m)))
        best: tuple[float, int, Move] | None = None
        for move in offered:
            bound, seq = queue.bound(move), queue.number(move)
            if self.lazy and (
                bound == -math.inf or (best is not None and (bound, -seq) < (best[0], -best[1]))
            ):
                break
            search.stale(move)  # plan it afresh
            score, queue.bounds[move] = self._score(search, move)
            if score is not None and (best is None or (score, -seq) > (best[0], -best[1])):
                best = (score, seq, move)
            if self.limit.spent:
                return None
        return None if best is None else best[2]

    def _score(
        self, search: _Search, move: Move, beat: float | None = None
    ) -> tuple[float | None, float]:
        """Net gain of a move (per byte under a size budget), or None when it does not qualify;
        and its new bound: the score, ``-inf`` when it cannot qualify again, the old bound when
        only the budget or the index count keeps it out now (checked before any plan).

        With ``beat`` (the best score of the round so far), planning stops as soon as what the
        move's unplanned statements could add (their distance to their all-candidates cost)
        cannot lift it to ``beat``: then None, and that upper bound as its new bound (the
        terms planned so far are kept)."""
        chosen = search.chosen
        new = move.add - chosen.members
        kept = search.queue.bound(move)
        limit = self.settings.max_indexes
        if limit is not None and len(chosen) - len(move.remove) + len(new) > limit:
            return None, kept
        if any(s in self.whatif.refused for s in new):
            return None, -math.inf
        size_delta = sum(self.size_of(s) for s in new) - sum(self.size_of(s) for s in move.remove)
        budget = self.settings.max_size_bytes
        if budget is not None and search.size + size_delta > budget:
            return None, kept
        cached = search.gains.get(move)
        if cached is None:
            target = -math.inf if beat is None else beat

            def enough(upper: float) -> bool:
                return self._net_and_score(move, new, upper)[1] >= target

            found = self._gain(search, move, new, None if beat is None else enough)
            if isinstance(found, float):  # stopped early: it cannot beat the round's best
                return None, self._net_and_score(move, new, found)[1]
            cached = found
        gain, qualifies = cached
        net, score = self._net_and_score(move, new, gain)
        if not qualifies or net <= 0 or net < self.min_gain:
            return None, -math.inf
        return score, score

    def _gain(
        self,
        search: _Search,
        move: Move,
        new: frozenset[IndexSpec],
        enough: Callable[[float], bool] | None = None,
    ) -> tuple[float, bool] | float:
        """The move's gain on the statements it can change, and whether one improves enough.
        Cached until one of those statements is re-priced; then only that statement's term is
        planned again (the others' plans did not change: the move that re-priced it offered
        them nothing, as ``_apply`` assumes for their current costs).

        With ``enough``, the statements are planned by what they could gain at most, largest
        first, and the planning stops when ``enough`` says the gain's upper bound (the terms
        planned, plus what the others could gain) is too low: then that bound, not the gain."""
        added = _ordered(new)
        parts = search.parts.setdefault(move, {})
        items = self._affected(move, search)
        if enough is not None:
            bounds = {i.key: self._term_bound(search, move, i)[0] for i in items}
            upper = sum(bounds.values())
            for item in sorted(items, key=lambda i: -bounds[i.key]):  # stable: ties in order
                if item.key in parts:
                    continue
                if not enough(upper):
                    return upper
                upper += self._plan_part(search, move, item, added)[0] - bounds[item.key]
        gain, qualifies = 0.0, False
        for item in items:
            part = parts.get(item.key) or self._plan_part(search, move, item, added)
            term, enough_alone = part
            gain += term
            qualifies = qualifies or enough_alone
        search.gains[move] = (gain, qualifies)
        return gain, qualifies

    def _term_bound(self, search: _Search, move: Move, item: WorkloadItem) -> tuple[float, bool]:
        """What a statement's term of the move's gain can be at most, and whether the move can
        still improve it by ``min_improvement``: the term when it is planned and current (its
        statement not re-priced since); else its distance to its all-candidates cost (nothing
        from a widening that cannot serve it better)."""
        part = search.parts.get(move, {}).get(item.key)
        if part is not None:
            return part
        if len(move.remove) == 1 and not _widening_helps(item, next(iter(move.add))):
            return 0.0, False
        before = search.current[item.key]
        gap = max(before - search.floors.get(item.key, 0.0), 0.0)
        term = item.weight * gap / item.base_cost if item.base_cost > 0 else 0.0
        last = search.last_term(move, item.key)
        if last is not None:
            term = min(term, max(last, 0.0))
        return term, before > 0 and gap / before >= self.settings.min_improvement

    def _plan_part(
        self, search: _Search, move: Move, item: WorkloadItem, added: list[IndexSpec]
    ) -> tuple[float, bool]:
        """``_part``, kept as the move's term for the statement until it is re-priced."""
        search.watchers.setdefault(item.key, set()).add(move)
        part = search.parts.setdefault(move, {})[item.key] = self._part(search, move, item, added)
        return part

    def _part(
        self, search: _Search, move: Move, item: WorkloadItem, added: list[IndexSpec]
    ) -> tuple[float, bool]:
        """One statement's term of a move's gain, and whether the move improves it enough."""
        before = search.current[item.key]
        floor = search.floors.get(item.key)
        if floor is not None and before <= floor and not move.remove:
            return 0.0, False  # as cheap as all its candidates make it: an added index cannot help
        config = [s for s in search.chosen.on(self._tables(item)) if s not in move.remove]
        cost = self._cost(item, config + added)
        term = item.weight * (before - cost) / item.base_cost if item.base_cost > 0 else 0.0
        return term, before > 0 and (before - cost) / before >= self.settings.min_improvement

    def _apply(self, search: _Search, move: Move, items: list[WorkloadItem]) -> None:
        """Take the move, re-price the statements it can change, prune what its tables no longer
        use. The other statements keep their plans: the move offers them nothing they take."""
        before = search.chosen
        added = _ordered(move.add - before.members)
        chosen = before.changed(move.remove, added)
        log.debug("round: %s", [s.describe() for s in move.add])
        touched = move.tables
        repriced = {i.key: i for i in self._affected(move, search)}
        for item in self._items_on(touched):
            if move.remove & search.used.get(item.key, set()):
                repriced.setdefault(item.key, item)  # its plan read an index the move removes
        cheaper: set[str] = set()  # the statements the move made cheaper
        for item in repriced.values():
            cost = self._cost(item, chosen)
            if cost < search.current[item.key]:
                cheaper.add(item.key)
            search.current[item.key] = cost
            search.used[item.key] = self._used(item, chosen)
        pruned = self._prune(search, chosen, touched)
        if pruned:
            chosen = chosen.changed(_ordered(pruned))
        search.chosen = chosen
        # what came and went, found from the move (not from the whole set: rounds x indexes)
        added = [s for s in added if s in chosen.members]
        gone = sorted((move.remove | pruned) & before.members, key=before.position)
        search.size += sum(self.size_of(s) for s in added) - sum(self.size_of(s) for s in gone)
        stale = dict(repriced)
        if pruned:  # cached gains may have counted on a pruned index in their configuration
            stale.update((i.key, i) for i in self._items_on({s.table for s in pruned}))
        search.forget(stale.keys() & cheaper, bounded=True)
        search.forget(stale.keys() - cheaper)
        self._offer_around(search, touched, added, gone)

    def _offer_around(
        self,
        search: _Search,
        touched: set[TableRef],
        added: list[IndexSpec],
        gone: list[IndexSpec],
    ) -> None:
        """After the chosen set changed on the ``touched`` tables (``added`` came, ``gone``
        went, each in pick order): widenings of the indexes there lose their cached gains, new
        indexes get their widenings offered, and the adds of indexes that left the set are on
        offer again."""
        chosen = search.chosen
        for spec in chosen.on(touched):  # widenings price the statements that use their index
            for extension in search.extensions_of.get(spec, ()):
                search.stale(extension)
        for spec in added:
            if spec not in search.extensions_of:
                search.extensions_of[spec] = self._widen(spec)
                for extension in search.extensions_of[spec]:
                    search.known(extension)
                    search.queue.bounds[extension] = self._first_bound(extension, search)
            for extension in search.extensions_of[spec]:
                search.queue.offer(extension)
        for spec in gone:
            for again in search.adding.get(spec, ()):  # on offer again where it was chosen
                search.queue.offer(again)

    def _unscored(self, search: _Search) -> int:
        """Moves on offer whose score is not current (never computed, or stale)."""
        moves = list(search.queue.seq)
        return sum(1 for m in moves if search.on_offer(m) and m not in search.gains)

    def _prune(self, search: _Search, chosen: Config, tables: set[TableRef]) -> set[IndexSpec]:
        """The chosen indexes on ``tables`` that no statement's plan reads any more (indexes
        elsewhere are untouched by the last move)."""
        scope = set(chosen.on(tables))
        for item in self._items_on(tables):
            scope -= search.used.get(item.key, set())
            if not scope:
                break
        return scope

    # -- refinements after the rounds ----------------------------------------------------------

    def _prefer_smaller(self, chosen: Config, pool: list[IndexSpec]) -> Config:
        result = chosen
        by_table: dict[TableRef, list[IndexSpec]] = {}
        for candidate in pool:
            by_table.setdefault(candidate.table, []).append(candidate)
        for spec in chosen.specs:
            if self.limit.spent:
                break
            users = [
                i for i in self._items_on([spec.table]) if spec in self._used_as_left(i, result)
            ]
            alternatives = sorted(
                (
                    c
                    for c in by_table.get(spec.table, ())
                    if _substitutes(c, spec)
                    and c not in result
                    and c not in self.whatif.refused
                    and self.size_of(c) < self.size_of(spec)
                ),
                key=lambda c: (self.size_of(c), c.describe()),  # equal sizes: a fixed order
            )
            slack = 1 + self.settings.min_improvement
            for alt in alternatives:
                close = all(
                    self._cost(i, self._seen(i, result, spec, alt))
                    <= self._cost_as_left(i, result) * slack
                    for i in users
                )
                if close and users:
                    result = result.replace(spec, alt)
                    break
        return result

    def _seen(
        self, item: WorkloadItem, config: Config, old: IndexSpec, new: IndexSpec | None = None
    ) -> list[IndexSpec]:
        """What the statement would see of ``config`` with ``old`` replaced by ``new`` (or
        without it): the indexes of its own tables only, so that trying a change does not
        copy the whole configuration (finishing steps try one per chosen index)."""
        seen = config.on(self._tables(item))
        if new is None:
            return [s for s in seen if s != old]
        return [new if s == old else s for s in seen]

    def _merge(self, chosen: Config) -> Config:
        """Fold chosen B-trees with the same leading key into one, where the plans allow it.

        Per-statement tuning leaves several indexes that differ only after the first key or in
        their INCLUDE lists. A member alone replaces the group when it keeps every statement
        within ``min_improvement`` of its cost (smallest member first); else the widest member
        with the others' columns included does, when it is smaller than the group and every
        statement keeps at least ``1 - min_improvement`` of its cost reduction (an index-only
        scan over a slightly wider index loses little).
        """
        result = chosen
        groups: dict[tuple[TableRef, IndexKey, str | None], list[IndexSpec]] = {}
        for spec in chosen.specs:
            if spec.method == "btree":
                groups.setdefault((spec.table, spec.keys[0], spec.where), []).append(spec)
        slack = 1 + self.settings.min_improvement
        for (table, _key, _where), group in groups.items():
            if len(group) < 2:
                continue
            if self.limit.spent:
                break
            widest = max(group, key=lambda s: (len(s.keys), len(s.include)))
            extra = {c for s in group for c in (*s.include, *s.key_texts)} - set(widest.key_texts)
            union = replace(widest, include=tuple(sorted(extra)))
            users = [
                i for i in self._items_on([table]) if set(group) & self._used_as_left(i, result)
            ]
            before = {i.key: self._cost_as_left(i, result) for i in users}
            group_size = sum(self.size_of(s) for s in group)
            keep = 1 - self.settings.min_improvement
            replacement = None
            for member in sorted(group, key=lambda s: (self.size_of(s), s.describe())):
                trial = result.changed(group, [member])
                if all(self._cost(i, trial) <= before[i.key] * slack for i in users):
                    replacement = trial
                    break
            if replacement is None and union not in self.whatif.refused:
                trial = result.changed(group, [union])
                if self.size_of(union) < group_size and all(
                    i.base_cost - self._cost(i, trial) >= keep * (i.base_cost - before[i.key])
                    for i in users
                ):
                    replacement = trial
            if replacement is not None:
                result = replacement
        return result

    def _narrow(self, chosen: Config) -> Config:
        specs = list(chosen.specs)
        return Config(narrow(self.whatif, self._items, specs, self.size_of, self.served))

    def _drop_inefficient(self, chosen: Config) -> Config:
        specs = list(chosen.specs)
        return Config(drop_inefficient(self.whatif, self._items, specs, self.size_of))

    def _drop_weak(self, chosen: Config) -> Config:
        kept = chosen
        for spec in reversed(chosen.specs):  # the latest picks are the least valuable
            if self.limit.spent:
                break
            essential = False
            for item in self._items_on([spec.table]):
                if self.shortcuts and spec not in self._used_as_left(item, kept):
                    continue  # its plan does not read the index: the same plan without it
                with_cost = self._cost_as_left(item, kept)
                without_cost = self._cost(item, self._seen(item, kept, spec))
                loss = (without_cost - with_cost) / without_cost if without_cost > 0 else 0.0
                if loss >= self.settings.min_improvement:
                    essential = True
                    break
            if not essential:
                kept = kept.changed([spec])
        return kept
