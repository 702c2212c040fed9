"""The search plans no move it cannot need (issue 17, the scale target).

A widening replaces a chosen index by one with one more key; before it is planned, its bound
says what its statements could gain at most. A statement gains from the wider index only when
it uses the new key, or when the wider index holds every column it reads (an index-only scan):
a statement that reads the new column among many others (``SELECT *``) gains nothing. And a
move qualifies only when some statement improves by ``min_improvement``: when none of its
statements is that far from its all-candidates cost, it cannot. On the scale benchmark most of
the widenings planned were of these kinds, and none of them qualified.

On a real database with HypoPG, the lazy search (bounds) and the exhaustive one (every move on
offer planned every round, ``--exhaustive-search``) choose the same indexes; the exhaustive
search plans the widenings, the lazy one does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from advisor.model import IndexKey, IndexSpec, ParsedStatement, TableRef
from advisor.selection.base import WorkloadItem
from advisor.selection.greedy import GreedySelector
from advisor.settings import Settings
from advisor.whatif.costs import WhatIf
from advisor.whatif.explain import Explainer
from advisor.whatif.hypopg import HypoPG
from tests.whatif_session import whatif_session

SCHEMA = """
CREATE TABLE t (
    id bigint PRIMARY KEY,
    a int NOT NULL,       -- 5,000 values, scattered
    b int NOT NULL,       -- 2 values
    c int NOT NULL,       -- 1,000 values, scattered
    pad text NOT NULL
);
INSERT INTO t
SELECT g, (hashint4(g) & 2147483647) % 5000, g % 2, (hashint4(-g) & 2147483647) % 1000,
       md5(g::text)
  FROM generate_series(1, 100000) g;
"""

T = TableRef("public", "t")
BY_A = IndexSpec(T, (IndexKey("a"),))
BY_C = IndexSpec(T, (IndexKey("c"),))
A_B = IndexSpec(T, (IndexKey("a"), IndexKey("b")))
B_A = IndexSpec(T, (IndexKey("b"), IndexKey("a")))
A_C = IndexSpec(T, (IndexKey("a"), IndexKey("c")))
LOOKUP = "SELECT id FROM t WHERE a = $1"  # the heavy one: (a) is its index
BY_C_ONLY = "SELECT id FROM t WHERE c = $1"  # puts c among the keys the table's statements use
# reads c among every other column, with no candidate of its own (its floor is nothing): the
# bound before counted its whole cost for a widening of (a) by c
EVERYTHING = "SELECT * FROM t WHERE a = $1 AND pad <> $2"
# uses b, which halves the rows (a) finds: (a, b) makes it less than half cheaper than (a)
HALVED = "SELECT pad FROM t WHERE a = $1 AND b = $2"
CALLS = {LOOKUP: 100, BY_C_ONLY: 10, EVERYTHING: 1, HALVED: 1}

# A fact table and a small dimension: each statement is far from its all-candidates cost for
# want of an index on the fact table, and no index on the dimension can take it 10 % closer.
STAR = """
CREATE TABLE d (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, pad text NOT NULL);
INSERT INTO d SELECT g, g % 50, (g / 50) % 40, md5(g::text) FROM generate_series(1, 5000) g;
CREATE TABLE f (
    id bigint PRIMARY KEY, d_id int NOT NULL, x int NOT NULL, y int NOT NULL, pad text NOT NULL
);
INSERT INTO f
SELECT g, 1 + (hashint4(g) & 2147483647) % 5000, (hashint4(-g) & 2147483647) % 20000,
       (hashint4(g + 7) & 2147483647) % 20000, md5(g::text)
  FROM generate_series(1, 200000) g;
"""
D = TableRef("public", "d")
F = TableRef("public", "f")
D_A = IndexSpec(D, (IndexKey("a"),))
D_B = IndexSpec(D, (IndexKey("b"),))
D_AB = IndexSpec(D, (IndexKey("a"), IndexKey("b")))
F_X = IndexSpec(F, (IndexKey("x"),))
F_Y = IndexSpec(F, (IndexKey("y"),))
BY_X = "SELECT f.pad FROM f JOIN d ON d.id = f.d_id WHERE f.x = $1 AND d.a = $2 AND d.b = $3"
BY_Y = "SELECT f.pad FROM f JOIN d ON d.id = f.d_id WHERE f.y = $1 AND d.a = $2 AND d.b = $3"
STAR_CALLS = {BY_X: 100, BY_Y: 10}


class Recording(WhatIf):
    """The what-if layer, recording the configuration of each EXPLAIN it runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.planned: list[frozenset[IndexSpec]] = []

    def _plan(self, parsed: ParsedStatement, wanted: frozenset[IndexSpec]) -> Any:
        self.planned.append(wanted)
        return super()._plan(parsed, wanted)

    def planned_with(self, spec: IndexSpec) -> int:
        return sum(1 for wanted in self.planned if spec in wanted)


@dataclass
class Bench:
    conn: Any
    hypo: HypoPG
    version_num: int
    items: dict[str, WorkloadItem]

    def select(
        self,
        workload: dict[str, tuple[IndexSpec, ...]],
        settings: Settings,
        *,
        lazy: bool,
        overhead_of: Callable[[IndexSpec], float] = lambda _spec: 0.0,
    ) -> tuple[tuple[IndexSpec, ...], Recording]:
        """A selection over ``workload`` (statement -> its candidates), with a what-if layer of
        its own: nothing memoized from another run."""
        self.hypo.reset()
        whatif = Recording(self.hypo, Explainer(self.conn, self.version_num))
        items = [self.items[query] for query in workload]
        for item in items:  # the baselines, planned before the search as the pipeline does
            whatif.baseline(item.parsed)
        whatif.planned.clear()
        selector = GreedySelector(
            whatif, settings, size_of=whatif.size, overhead_of=overhead_of, lazy=lazy
        )
        candidates = {self.items[query].key: specs for query, specs in workload.items()}
        return selector.select(items, candidates).chosen, whatif


@contextmanager
def _bench(make_db: Any, schema: str, calls: dict[str, int]) -> Iterator[Bench]:
    with whatif_session(make_db(schema).dsn) as found:
        items = {}
        for query, count in calls.items():
            parsed = found.parse(query, count)
            base = found.whatif.cost(parsed, ()).total_cost
            items[query] = WorkloadItem(parsed, base, count * base)
        yield Bench(found.conn, found.hypo, found.version_num, items)


@pytest.fixture(scope="module")
def bench(make_db: Any) -> Iterator[Bench]:
    with _bench(make_db, SCHEMA, CALLS) as found:
        yield found


@pytest.fixture(scope="module")
def star(make_db: Any) -> Iterator[Bench]:
    with _bench(make_db, STAR, STAR_CALLS) as found:
        yield found


def test_a_widening_by_a_column_read_among_many_is_not_planned(bench: Bench) -> None:
    """``SELECT *`` reads c: (a, c) offers it no index-only scan, and nothing else."""
    workload = {LOOKUP: (BY_A,), BY_C_ONLY: (BY_C,), EVERYTHING: ()}
    settings = Settings(min_improvement=0.10)
    lazy, lazy_whatif = bench.select(workload, settings, lazy=True)
    exhaustive, exhaustive_whatif = bench.select(workload, settings, lazy=False)
    assert set(lazy) == set(exhaustive) == {BY_A, BY_C}
    # on offer, and planned when every move is: the bound is what spares the plans
    assert exhaustive_whatif.planned_with(A_C) > 0
    assert lazy_whatif.planned_with(A_C) == 0
    assert len(lazy_whatif.planned) < len(exhaustive_whatif.planned)


def test_a_move_no_statement_can_improve_enough_by_is_not_planned(bench: Bench) -> None:
    """With (a) chosen, the statement that uses b is less than ``min_improvement`` away from
    its all-candidates cost: widening (a) by b cannot qualify. (Its candidate (b, a) costs more
    to write than it saves: it is never a move of its own.)"""
    workload = {LOOKUP: (BY_A,), BY_C_ONLY: (BY_C,), HALVED: (BY_A, B_A)}
    settings = Settings(min_improvement=0.5)
    heavy = {B_A: 1e9}

    def overhead_of(spec: IndexSpec) -> float:
        return heavy.get(spec, 0.0)

    lazy, lazy_whatif = bench.select(workload, settings, lazy=True, overhead_of=overhead_of)
    exhaustive, exhaustive_whatif = bench.select(
        workload, settings, lazy=False, overhead_of=overhead_of
    )
    assert set(lazy) == set(exhaustive) == {BY_A, BY_C}
    assert exhaustive_whatif.planned_with(A_B) > 0
    assert lazy_whatif.planned_with(A_B) == 0
    assert len(lazy_whatif.planned) < len(exhaustive_whatif.planned)


def test_a_move_on_a_small_table_is_bounded_by_what_that_table_can_give(star: Bench) -> None:
    """Under a size budget the dimension's indexes rank first per byte, and their statements'
    distance to their all-candidates cost (an index on f) would let each be planned. One plan
    per statement with all its candidates on d shows that none of them can take a statement
    10 % closer while f has no index: no move on d is planned on its own. The exhaustive search
    plans them and chooses the same."""
    dimension = {D_A, D_B, D_AB}
    workload = {BY_X: (F_X, D_A, D_B, D_AB), BY_Y: (F_Y, D_A, D_B, D_AB)}
    settings = Settings(min_improvement=0.10, max_size_bytes=6 * 1024 * 1024)  # one f index
    lazy, lazy_whatif = star.select(workload, settings, lazy=True)
    exhaustive, exhaustive_whatif = star.select(workload, settings, lazy=False)
    assert set(lazy) == set(exhaustive) == {F_X, D_AB}

    def alone(whatif: Recording) -> int:
        """Plans with one index of d and none of f: a move on d, before an index of f is
        chosen (once one is, d's indexes do take its statement 10 % closer: see the set)."""
        return sum(
            1
            for wanted in whatif.planned
            if len(wanted & dimension) == 1 and not wanted - dimension
        )

    assert alone(exhaustive_whatif) > 0
    assert alone(lazy_whatif) == 0
    # the bound's own plan, one per statement: all its candidates on d, nothing chosen yet
    assert lazy_whatif.planned.count(frozenset(dimension)) == 2
