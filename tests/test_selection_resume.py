"""Bytes the finishing steps free are spent: the search resumes after them (issue 17).

On TPC-H at ``--max-size 250MB`` the greedy rounds filled 232 MB, then narrowing replaced a
188 MB index by its 44 MB leading column, and the advice stopped at 89 MB: the indexes the
budget had kept out would have fitted in what narrowing freed. Here the same shape on a small
table, on a real database with HypoPG: the only candidate of a heavy statement is a wide index
whose trailing columns do not pay for their bytes, a lighter statement's index fits beside its
narrowed form but not beside the wide one, and a third statement's index makes the budget bind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from advisor.model import IndexKey, IndexSpec, TableRef
from advisor.selection import budgeted
from advisor.selection.base import WorkloadItem
from advisor.selection.greedy import GreedySelector
from advisor.selection.narrow import narrow
from advisor.settings import Settings
from advisor.whatif.costs import WhatIf
from tests.whatif_session import whatif_session

SCHEMA = """
CREATE TABLE t (
    id bigint PRIMARY KEY,
    a int NOT NULL,       -- 5,000 values, scattered
    b int NOT NULL,       -- 1,000 values, scattered
    c int NOT NULL,
    d int NOT NULL,       -- 2,000 values, scattered
    pad text NOT NULL
);
INSERT INTO t
SELECT g, (hashint4(g) & 2147483647) % 5000, (hashint4(-g) & 2147483647) % 1000, g % 77,
       (hashint4(g + 7) & 2147483647) % 2000, md5(g::text)
  FROM generate_series(1, 200000) g;
"""

T = TableRef("public", "t")
WIDE = IndexSpec(T, (IndexKey("a"), IndexKey("b"), IndexKey("c")))
BY_D = IndexSpec(T, (IndexKey("d"),))
BY_PAD = IndexSpec(T, (IndexKey("pad"),))
HEAVY = "SELECT sum(c) FROM t WHERE a = $1 AND b = $2"
LIGHT = "SELECT pad FROM t WHERE d = $1"
LARGE = "SELECT id FROM t WHERE pad = $1"  # its index is too large to fit beside the others


@dataclass
class Bench:
    whatif: WhatIf
    items: list[WorkloadItem]
    candidates: dict[str, tuple[IndexSpec, ...]]

    def selector(self, settings: Settings) -> GreedySelector:
        return GreedySelector(self.whatif, settings, size_of=self.whatif.size)

    def select(self, settings: Settings) -> tuple[IndexSpec, ...]:
        return budgeted.select(
            self.selector, settings, self.items, self.candidates, self.whatif.size
        ).chosen

    def size(self, specs: tuple[IndexSpec, ...] | list[IndexSpec]) -> int:
        return sum(self.whatif.size(s) for s in specs)


@pytest.fixture(scope="module")
def bench(make_db: Any) -> Iterator[Bench]:
    with whatif_session(make_db(SCHEMA).dsn) as found:
        whatif = found.whatif
        items = []
        # the heavy statement runs a hundred times as often: its index is the first pick
        for query, calls in ((HEAVY, 100), (LIGHT, 1), (LARGE, 1)):
            parsed = found.parse(query, calls)
            base = whatif.cost(parsed, ()).total_cost
            items.append(WorkloadItem(parsed, base, calls * base))
        # the heavy statement's only candidate is the wide index: its narrow form is not one
        candidates = {items[0].key: (WIDE,), items[1].key: (BY_D,), items[2].key: (BY_PAD,)}
        yield Bench(whatif, items, candidates)


def test_bytes_freed_by_narrowing_are_spent_on_an_index_left_out(bench: Bench) -> None:
    (narrowed,) = narrow(bench.whatif, bench.items, [WIDE], bench.whatif.size)
    assert narrowed != WIDE and narrowed.keys[0] == WIDE.keys[0]  # narrowing frees bytes
    # the wide index fits alone, not beside the light statement's index; its narrow form does
    budget = bench.whatif.size(WIDE) + bench.whatif.size(BY_D) // 2
    assert bench.size([narrowed, BY_D]) <= budget
    assert bench.size([narrowed, BY_D, BY_PAD]) > budget  # the budget binds
    settings = Settings(min_improvement=0.10, max_size_bytes=budget)
    chosen = bench.select(settings)
    assert bench.size(chosen) <= budget
    assert BY_D in chosen  # the search before the fix stopped with the narrowed index alone
    assert any(s.keys[0] == IndexKey("a") for s in chosen)


def test_a_budget_that_does_not_bind_gives_the_unbudgeted_advice(bench: Bench) -> None:
    free = bench.select(Settings(min_improvement=0.10))
    assert {BY_D, BY_PAD} <= set(free)
    for budget in (bench.size(free), 2 * bench.size(free)):
        assert bench.select(Settings(min_improvement=0.10, max_size_bytes=budget)) == free


def test_a_resumed_search_keeps_the_finishing_steps_verdicts(bench: Bench) -> None:
    """The wide index narrowing took out is not bought back, whatever the budget left."""
    settings = Settings(min_improvement=0.10, max_size_bytes=10 * bench.whatif.size(WIDE))
    free = bench.selector(replace(settings, max_size_bytes=None)).select(
        bench.items, bench.candidates
    )
    budgeted_selection = bench.selector(settings).select(bench.items, bench.candidates)
    for selection in (free, budgeted_selection):
        assert WIDE not in selection.chosen
        assert BY_D in selection.chosen
