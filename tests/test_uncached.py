"""A gain that rests on the planner's caching between a nested loop's scans is said so.

Shipments reach vendors through a filter on regions: the planner prices the index scan on
``shipments (vendor_id)`` repeated once per vendor of one region as if it ran for every vendor,
with the table's pages cached between the loops. With ``effective_cache_size`` at one page the
same statement keeps its hash join: the check reports that gain as not confirmed. A lookup by a
shipment's own batch is one scan, and its gain holds either way.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from advisor.mcp import summary
from advisor.model import Report, StatementResult
from advisor.render import json as json_render
from advisor.render import text as text_render

SCHEMA = """
CREATE TABLE regions (region_id int PRIMARY KEY, name text NOT NULL);
INSERT INTO regions SELECT g, 'region ' || g FROM generate_series(1, 25) g;
CREATE TABLE vendors (vendor_id int PRIMARY KEY, region_id int NOT NULL, name text NOT NULL);
INSERT INTO vendors SELECT g, 1 + g % 25, 'vendor ' || g FROM generate_series(1, 5000) g;
CREATE TABLE shipments (
    shipment_id bigint PRIMARY KEY, vendor_id int NOT NULL, batch int NOT NULL,
    qty int NOT NULL, note text NOT NULL
);
INSERT INTO shipments
SELECT g, 1 + (hashint4(g) & 2147483647) % 5000, g / 50, g % 7, repeat('x', 60)
  FROM generate_series(1, 300000) g;
"""

THROUGH_REGION = """
SELECT sum(s.qty) FROM shipments s
  JOIN vendors v ON v.vendor_id = s.vendor_id
  JOIN regions r ON r.region_id = v.region_id
 WHERE r.name = %s
"""
BY_BATCH = (
    "SELECT v.name, s.qty FROM shipments s JOIN vendors v USING (vendor_id) WHERE s.batch = %s"
)
ONE_TABLE = "SELECT count(*) FROM shipments WHERE batch = %s AND qty > %s"


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    database.run(THROUGH_REGION, [("region 3",), ("region 7",)], repeat=5)
    database.run(BY_BATCH, [(17,), (400,)], repeat=5)
    database.run(ONE_TABLE, [(17, 2), (400, 3)], repeat=5)
    return database


@pytest.fixture(scope="module")
def report(db: Any) -> Report:
    return db.analyze()


def found(report: Report, fragment: str) -> StatementResult:
    (hit,) = [s for s in report.statements if fragment in s.statement.query]
    return hit


def generic_cost(db: Any, text: str, *, setup: list[str]) -> tuple[float, str]:
    """The generic plan's cost of ``text`` (one parameter) with real indexes, after ``setup``
    in a transaction that is rolled back, and its plan as JSON text."""
    with psycopg.connect(db.dsn, prepare_threshold=None) as conn:
        for statement in ["SET LOCAL plan_cache_mode = force_generic_plan", *setup]:
            conn.execute(statement)
        conn.execute(f"PREPARE uncached_check AS {text.replace('%s', '$1')}")
        row = conn.execute("EXPLAIN (FORMAT JSON) EXECUTE uncached_check(NULL)").fetchone()
        conn.rollback()
    assert row is not None
    return float(row[0][0]["Plan"]["Total Cost"]), str(row[0])


def test_a_gain_from_loops_priced_as_cached_is_not_confirmed(db: Any, report: Report) -> None:
    result = found(report, "JOIN regions")
    assert result.reason is None and result.cost_before and result.cost_after is not None
    assert result.cost_after < 0.5 * result.cost_before  # the planner's gain
    check = result.uncached
    assert check is not None and not check.confirmed
    assert check.note is not None and "effective_cache_size" in check.note
    # the figures are the server's own: a real index, the setting at one page
    index = "CREATE INDEX ON shipments (vendor_id)"
    uncached = ["SET LOCAL effective_cache_size = '8kB'"]
    before, _ = generic_cost(db, THROUGH_REGION, setup=uncached)
    after, plan = generic_cost(db, THROUGH_REGION, setup=[*uncached, index])
    assert check.cost_before == pytest.approx(before, rel=0.02)
    assert check.cost_after == pytest.approx(after, rel=0.05)
    assert "Hash Join" in plan and "shipments_vendor_id_idx" not in plan
    # and with the server's setting, the nested loop over that index is what the advice is for
    _, server_plan = generic_cost(db, THROUGH_REGION, setup=[index])
    assert "Nested Loop" in server_plan and "shipments_vendor_id_idx" in server_plan


def test_the_index_says_its_gain_rests_on_the_cache(report: Report) -> None:
    (rec,) = [r for r in report.recommendations if r.spec.key_texts == ("vendor_id",)]
    resting = [n for n in rec.notes if "rests on the planner's cache" in n]
    assert len(resting) == 1 and "all of the statements it helps" in resting[0], rec.notes
    batch = [r for r in report.recommendations if r.spec.key_texts[0] == "batch"]
    assert batch and not any("cache" in n for r in batch for n in r.notes)


def test_a_single_lookup_keeps_its_gain(report: Report) -> None:
    result = found(report, "USING (vendor_id)")
    assert result.reason is None and result.cost_before and result.cost_after is not None
    assert result.cost_after < 0.5 * result.cost_before
    assert result.uncached is not None and result.uncached.confirmed
    assert result.uncached.note is None


def test_a_statement_of_one_table_is_not_checked(report: Report) -> None:
    result = found(report, "count(*) FROM shipments")
    assert result.reason is None  # helped, but one table has one loop
    assert result.uncached is None


def test_the_outputs_carry_the_check(report: Report) -> None:
    doc = {s["query"]: s for s in map(json_render.statement, report.statements)}
    (loop,) = [s for q, s in doc.items() if "JOIN regions" in q]
    assert loop["gain_rests_on_cache"] is True
    assert loop["uncached"]["confirmed"] is False
    (lookup,) = [s for q, s in doc.items() if "USING (vendor_id)" in q]
    assert lookup["gain_rests_on_cache"] is False and lookup["uncached"]["confirmed"] is True
    text = text_render.render(report, width=100)
    assert "Gains that rest on the planner's cache between loops" in text
    assert "effective_cache_size at one page" in text
    said = summary.analysis(json_render.to_dict(report), ["analyze"])
    assert "1 statement gain only while the planner assumes a table stays cached" in said
