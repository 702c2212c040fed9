"""Ranges between parameters, priced narrow and wide (``parse.ranges``, ``whatif.readings``), on
a real server.

pg_stat_statements shows ``WHERE at >= $1 AND at < $2``; its generic plan takes the range for
0.5 % of the rows, so a plain index on ``at`` looks as good as one that covers the statement.
The wide reading takes it for a third, where only the covering index still beats the
sequential scan. A statement that reads every column has no covering index to prefer, and keeps
the plain one for its narrow reading. The rows are wide (300 bytes of text), as in a fact table,
so that a third of them read through an index that covers the statement costs less than the
sequential scan, and through the heap more.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from advisor.model import Report, StatementResult
from advisor.parse import ranges
from advisor.render.json import statement as json_statement
from tests.conftest import vacuum_all_visible

SCHEMA = """
CREATE TABLE events (id bigint PRIMARY KEY, at date NOT NULL, kind int NOT NULL,
                     amount numeric NOT NULL, note text NOT NULL);
INSERT INTO events
SELECT g, date '2020-01-01' + (g * 7919) % 2000, g % 10, g % 1000, repeat('x', 300)
  FROM generate_series(1, 200000) g;
CREATE TABLE kinds (kind int PRIMARY KEY, since date NOT NULL, label text NOT NULL);
INSERT INTO kinds SELECT g, date '2020-01-01' + g * 30, 'kind ' || g FROM generate_series(0, 9) g;
"""
SUM = "SELECT sum(amount) FROM events WHERE at >= %s AND at < %s"
ROWS = "SELECT * FROM events WHERE at BETWEEN %s AND %s"
JOINED = (
    "SELECT count(*) FROM events e JOIN kinds k ON k.kind = e.kind "
    "WHERE k.since BETWEEN %s AND %s AND e.amount = %s"
)


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    made = make_db(SCHEMA)
    vacuum_all_visible(made.dsn, "events")  # index-only scans skip the heap
    return made


def analyse_workload(db: Any, query: str, params: list[Any]) -> Report:
    """``query`` run three times, then analysed from pg_stat_statements (its ``$n`` form)."""
    db.execute("SELECT pg_stat_statements_reset()")
    db.run(query, [params], repeat=3)
    return db.analyze(review=False)  # type: ignore[no-any-return]


def the_statement(report: Report, table: str) -> StatementResult:
    (found,) = [s for s in report.statements if f"FROM {table}" in s.statement.query]
    return found


def generic_plan(db: Any, text: str, params: int, *, serial: bool = False) -> dict[str, Any]:
    """The plan PostgreSQL 13+ makes of ``text`` with its parameters unknown (``serial``: no
    parallel workers, whose scans show their share of the rows)."""
    with psycopg.connect(db.dsn, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")
        if serial:
            conn.execute("SET max_parallel_workers_per_gather = 0")
        conn.execute(f"PREPARE wide_check AS {text}")
        nulls = ", ".join(["NULL"] * params)
        row = conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE wide_check({nulls})").fetchone()
        conn.execute("DEALLOCATE wide_check")
    assert row is not None
    plan: dict[str, Any] = row[0][0]["Plan"]
    return plan


def scan_rows(plan: dict[str, Any], table: str) -> float:
    """The rows the plan expects from its scan of ``table``."""
    stack = [plan]
    while stack:
        node = stack.pop()
        if node.get("Relation Name") == table:
            return float(node["Plan Rows"])
        stack.extend(node.get("Plans", ()))
    raise AssertionError(f"no scan of {table}")


def test_the_wide_reading_takes_a_third_of_the_rows(db: Any) -> None:
    """What the rewrite claims, as the server estimates it: the narrow text 0.5 % of the rows,
    the wide one a third, both with every parameter typed."""
    rows = 200_000
    for narrow, params in [
        ("SELECT sum(amount) FROM events WHERE at >= $1 AND at < $2", 2),
        ("SELECT sum(amount) FROM events WHERE at BETWEEN $1 AND $2", 2),
        ("SELECT sum(amount) FROM events WHERE $1::date <= at AND at < $2::date + $3::int", 3),
    ]:
        wide = ranges.widen(narrow, {"at"})
        assert wide is not None
        narrow_rows = scan_rows(generic_plan(db, narrow, params, serial=True), "events")
        wide_rows = scan_rows(generic_plan(db, wide, params, serial=True), "events")
        assert narrow_rows == rows * 0.005
        assert wide_rows == pytest.approx(rows / 3, rel=0.01)


def test_only_ranges_between_parameters_are_widened() -> None:
    assert ranges.widen("SELECT 1 FROM t WHERE a >= $1 AND a < 10", {"a"}) is None
    assert ranges.widen("SELECT 1 FROM t WHERE a >= $1 OR a < $2", {"a"}) is None
    assert ranges.widen("SELECT 1 FROM t WHERE a >= $1 AND b < $2", {"a", "b"}) is None
    assert ranges.widen("SELECT 1 FROM t WHERE a BETWEEN $1 AND $2", {"b"}) is None
    assert ranges.widen("SELECT 1 FROM t WHERE $1 <= a AND a < $2", {"a"}) is not None


def test_a_covering_index_wins_where_a_plain_one_serves_only_narrow_ranges(db: Any) -> None:
    report = analyse_workload(db, SUM, ["2021-01-01", "2021-01-08"])
    found = the_statement(report, "events")
    assert found.planned_query_wide is not None
    (rec,) = [r for r in report.recommendations if r.spec.table.name == "events"]
    assert rec.spec.keys[0].text == "at"
    assert "amount" in {k.text for k in rec.spec.keys} | set(rec.spec.include), rec.spec


def test_a_statement_reading_every_column_keeps_its_plain_index(db: Any) -> None:
    report = analyse_workload(db, ROWS, ["2021-01-01", "2021-01-02"])
    found = the_statement(report, "events")
    assert found.planned_query_wide is not None
    assert [r.spec.keys[0].text for r in report.recommendations] == ["at"]


def test_the_costs_are_the_mean_of_the_two_readings(db: Any) -> None:
    report = analyse_workload(db, SUM, ["2021-01-01", "2021-01-08"])
    found = the_statement(report, "events")
    assert found.planned_query is not None and found.planned_query_wide is not None
    narrow = float(generic_plan(db, found.planned_query, 2)["Total Cost"])
    wide = float(generic_plan(db, found.planned_query_wide, 2)["Total Cost"])
    assert wide > narrow  # the index-free plans differ in their rows
    assert found.cost_before == pytest.approx((narrow + wide) / 2, rel=1e-6)
    assert json_statement(found)["planned_query_wide"] == found.planned_query_wide


def test_a_range_on_a_small_table_of_the_join_stays_narrow(db: Any) -> None:
    report = analyse_workload(db, JOINED, ["2020-02-01", "2020-06-01", 5])
    found = the_statement(report, "events e")
    assert found.planned_query_wide is None
