"""Narrowing never ends on an index that an existing one serves (``selection.narrow``), on a
real server.

The shape of TPC-H's ``lineitem``: a child table whose primary key leads with the parent's key
and goes on with a long text code. A hypothetical ``item (order_id)`` is far smaller than that
key, so the planner prefers it, by a sliver, for the join probes; a covering ``item (order_id)
INCLUDE (price, qty)`` does not pay its extra bytes over it. Narrowed, the covering index would
become ``item (order_id)``, which the primary key serves (the candidates leave such shapes out,
and the review calls one redundant once built): the narrowing drops it instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from advisor import candidates
from advisor.model import IndexKey, IndexSpec, TableRef
from advisor.selection.base import WorkloadItem
from advisor.selection.narrow import narrow
from advisor.sources.workload import SourceOptions
from advisor.whatif.costs import WhatIf
from tests.whatif_session import whatif_session

SCHEMA = """
CREATE TABLE orders (id int PRIMARY KEY, placed date NOT NULL, customer int NOT NULL);
INSERT INTO orders SELECT g, date '2020-01-01' + (g % 1500), g % 5000
  FROM generate_series(1, 150000) g;
CREATE TABLE item (order_id int NOT NULL, code text NOT NULL, qty int, price numeric(12, 2),
                   PRIMARY KEY (order_id, code));
INSERT INTO item SELECT o, repeat(md5(l::text), 2), (o * l) % 50, (o * 7 + l) % 1000
  FROM generate_series(1, 150000) o, generate_series(1, 4) l;
"""
QUERIES = (
    "SELECT sum(i.price) FROM orders o JOIN item i ON i.order_id = o.id WHERE o.customer = 42",
    "SELECT max(i.qty) FROM orders o JOIN item i ON i.order_id = o.id "
    "WHERE o.placed = '2021-03-03'",
)
ITEM, ORDERS = TableRef("public", "item"), TableRef("public", "orders")
PLAIN = IndexSpec(ITEM, (IndexKey("order_id"),))
COVERING = IndexSpec(ITEM, (IndexKey("order_id"),), include=("price", "qty"))
PARENT = [IndexSpec(ORDERS, (IndexKey("customer"),)), IndexSpec(ORDERS, (IndexKey("placed"),))]


@pytest.fixture(scope="module")
def setup(make_db: Any) -> Iterator[tuple[WhatIf, list[WorkloadItem], Any]]:
    with whatif_session(make_db(SCHEMA).dsn, statement_timeout_ms=30_000) as found:
        items = []
        for query in QUERIES:
            parsed = found.parse(query, 100, 500.0, 5.0)
            items.append(WorkloadItem(parsed, found.whatif.cost(parsed, ()).total_cost, 500.0))
        yield found.whatif, items, found.catalog


def test_the_planner_prefers_the_narrow_copy_of_the_key(setup: Any) -> None:
    """The premise, from the server: each statement is a little cheaper with ``item
    (order_id)`` than with the primary key alone, and ``item (order_id)`` is what the primary
    key serves, by the rule the candidates use."""
    whatif, items, catalog = setup
    for item in items:
        assert (
            whatif.cost(item.parsed, [*PARENT, PLAIN]).total_cost
            < whatif.cost(item.parsed, PARENT).total_cost
        )
    assert candidates.served_by(PLAIN, catalog.indexes_of(ITEM)) is not None
    assert candidates.served_by(COVERING, catalog.indexes_of(ITEM)) is None


def test_narrowing_to_a_form_an_existing_index_serves_drops_the_index(setup: Any) -> None:
    whatif, items, catalog = setup

    def served(spec: IndexSpec) -> bool:
        return candidates.served_by(spec, catalog.indexes_of(spec.table)) is not None

    chosen = [COVERING, *PARENT]
    # without the rule, the covering index narrows to the primary key's copy
    assert PLAIN in narrow(whatif, items, chosen, whatif.size)
    kept = narrow(whatif, items, chosen, whatif.size, served)
    assert not [s for s in kept if s.table == ITEM], [s.describe() for s in kept]
    assert set(PARENT) <= set(kept)


def test_no_advice_is_an_index_an_existing_one_serves(make_db: Any, setup: Any) -> None:
    """The whole analysis of the two statements (every finishing step included): nothing it
    advises is a shape the existing indexes serve."""
    catalog = setup[2]
    db = make_db(SCHEMA)
    report = db.analyze(
        SourceOptions(use_pg_stat_statements=False, queries=QUERIES), weigh_by="planner"
    )
    assert report.recommendations
    for rec in report.recommendations:
        assert candidates.served_by(rec.spec, catalog.indexes_of(rec.spec.table)) is None
