"""``distinct_underestimated`` (``review.distinct``), on a real server: a unique index on
``(order_id, line_no)`` proves that ``order_id`` has at least rows / 4 values, whatever pg_stats
says, and the statement the finding gives makes the planner's group estimate follow.

ANALYZE's sample-based estimate goes wrong on large tables whose values repeat a few times each
(TPC-H's ``l_orderkey``: a quarter of the truth); a test table that small is estimated well, so
the bad estimate is set the way pg_stats would show it, with ``n_distinct``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from advisor.history.store import open_store
from advisor.model import Finding, Report
from advisor.report import html, markdown
from advisor.report import json as report_json
from advisor.report.run import run_report
from advisor.settings import Settings
from advisor.table_view.build import inspect_table

SCHEMA = """
CREATE TABLE order_lines (order_id bigint NOT NULL, line_no int NOT NULL,
                          shipped timestamptz NOT NULL, qty int NOT NULL,
                          PRIMARY KEY (order_id, line_no));
INSERT INTO order_lines
SELECT g / 4, g % 4, timestamptz '2024-01-01' + g * interval '1 second', g % 50
  FROM generate_series(0, 199999) g;
CREATE UNIQUE INDEX order_lines_order_shipped ON order_lines (order_id, shipped);
ALTER TABLE order_lines ALTER COLUMN order_id SET (n_distinct = 1000);
"""
GROUPED = "SELECT order_id, sum(qty) FROM order_lines GROUP BY order_id"
ORDERS = 50_000  # 200,000 lines, four per order


@pytest.fixture()
def db(make_db: Any) -> Any:
    return make_db(SCHEMA)


def analyse(db: Any) -> Report:
    db.execute("SELECT pg_stat_statements_reset()")
    db.run(GROUPED, [[]], repeat=2)
    return db.analyze()  # type: ignore[no-any-return]


def found(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.kind == "distinct_underestimated"]


def groups_expected(db: Any) -> float:
    (row,) = db.execute(f"EXPLAIN (FORMAT JSON) {GROUPED}")
    return float(row[0][0]["Plan"]["Plan Rows"])


def run_script(db: Any, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def test_a_unique_index_proves_the_estimate_too_low_and_the_fix_repairs_it(db: Any) -> None:
    assert groups_expected(db) == pytest.approx(1000, rel=0.05)
    (finding,) = found(analyse(db))
    assert finding.table.name == "order_lines" and finding.index == "order_lines_pkey"
    assert finding.fix_sql is not None and finding.restore_sql is not None
    assert "50,000" in finding.detail  # 200,000 rows / the 4 values of line_no
    run_script(db, finding.fix_sql)
    assert groups_expected(db) == pytest.approx(ORDERS, rel=0.05)
    assert found(analyse(db)) == []
    run_script(db, finding.restore_sql)
    assert groups_expected(db) != pytest.approx(1000, rel=0.05)  # ANALYZE's own estimate again


def test_no_finding_without_a_companion_whose_values_are_all_known(db: Any) -> None:
    """``(order_id, shipped)`` alone proves nothing: ``shipped`` has a value per row."""
    db.execute("ALTER TABLE order_lines DROP CONSTRAINT order_lines_pkey")
    assert found(analyse(db)) == []


def test_the_weekly_report_gives_the_same_fix(db: Any, tmp_path: Path) -> None:
    """``advisor report`` without advice reviews without the workload's plans: the statistics
    check needs none, and gives the finding ``analyze`` gives."""
    (finding,) = found(analyse(db))
    with open_store(str(tmp_path / "store.sqlite")) as store:
        weekly = run_report(db.dsn, store)  # --no-advice: review_live, and the catalog's check
    (fix,) = weekly.statistics_fixes
    assert (fix.table, fix.index, fix.fix_sql) == (
        "order_lines",
        "order_lines_pkey",
        finding.fix_sql,
    )
    assert fix.restore_sql == finding.restore_sql
    assert "## Statistics to repair" in markdown.render(weekly)
    doc = json.loads(report_json.render(weekly))
    assert doc["statistics_fixes"][0]["fix_sql"] == finding.fix_sql
    assert "Statistics to repair" in html.render(weekly)


@pytest.mark.parametrize("advice", [Settings(min_improvement=0.10), None], ids=["advice", "none"])
def test_advisor_table_shows_the_fix_on_the_index_that_proves_it(
    db: Any, advice: Settings | None
) -> None:
    """With the analysis or without it (``--no-advice``), the same finding and fix."""
    (finding,) = found(analyse(db))
    view = inspect_table(db.dsn, "order_lines", advice=advice)
    (pkey,) = [i for i in view.indexes if i.index.name == "order_lines_pkey"]
    said = [f for f in pkey.findings if f.startswith("distinct_underestimated")]
    assert len(said) == 1 and f"repair: {finding.fix_sql}" in said[0]
