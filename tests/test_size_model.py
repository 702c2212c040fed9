"""The B-tree size model (``advisor.whatif.size``) against ``pg_relation_size`` of the index
built for real, on keys whose distinct counts ANALYZE gets right: with many duplicates a tree is
mostly posting lists, whose size CREATE INDEX caps at a tenth of a page, and whose leaf pages
close below the fillfactor."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from advisor.collect.catalog import read_catalog
from advisor.model import IndexKey, IndexSpec, TableRef
from advisor.whatif.size import estimate_btree_bytes

SCHEMA = """
CREATE TABLE facts (id bigint PRIMARY KEY, day int NOT NULL, shop int NOT NULL,
                    kind text NOT NULL, amount int NOT NULL);
INSERT INTO facts
SELECT g, (random() * 1999)::int, (random() * 99)::int, 'kind-' || (random() * 6)::int, g % 7
  FROM generate_series(1, 400000) g;
"""
SHAPES = [
    ("day",),  # 200 rows a key: two posting lists each
    ("shop",),  # 4,000 rows a key: thirty lists each
    ("kind", "shop"),  # a text key before an int
    ("id",),  # unique: no deduplication
]


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    return make_db(SCHEMA)


@pytest.mark.parametrize("keys", SHAPES, ids=["_".join(k) for k in SHAPES])
def test_the_estimate_is_within_four_percent_of_the_built_index(db: Any, keys: Any) -> None:
    name = f"size_{'_'.join(keys)}"
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(f"CREATE INDEX {name} ON facts ({', '.join(keys)})")
        row = conn.execute("SELECT pg_relation_size(%s::regclass)", (name,)).fetchone()
        table = read_catalog(conn).tables[TableRef("public", "facts")]
        conn.execute(f"DROP INDEX {name}")
    assert row is not None
    spec = IndexSpec(table.ref, tuple(IndexKey(k) for k in keys))
    estimate = estimate_btree_bytes(spec, table)
    assert estimate == pytest.approx(row[0], rel=0.04), (estimate, row[0])
