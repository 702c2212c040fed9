"""Statements priced with the constants they ran with (``advisor.whatif.samples``), on a real
server: two logs whose statements share one normal form, but not their constants, get different
advice, and the plan priced is the one a plain EXPLAIN of ``planned_query`` shows.

The normal form ``WHERE at >= $1 AND at < $2`` is a range the generic plan takes for 0.5 % of
the rows, where an index on ``at`` is a clear win. The wide samples read 60 % of the table, where
a sequential scan is cheaper than any index; the narrow ones read one day.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.model import Report, StatementResult
from advisor.pipeline import analyze
from advisor.settings import RunOptions, Settings
from advisor.sources.workload import SourceOptions

SCHEMA = """
CREATE TABLE events (id bigint PRIMARY KEY, at date NOT NULL, kind int NOT NULL,
                     amount numeric NOT NULL);
INSERT INTO events
SELECT g, date '2020-01-01' + (g * 7919) % 2000, g % 10, g % 1000
  FROM generate_series(1, 200000) g;
"""
QUERY = "SELECT sum(amount) FROM events WHERE at >= date '{}' AND at < date '{}'"
WIDE = [QUERY.format("2020-01-01", "2023-04-01"), QUERY.format("2020-03-01", "2023-06-01"),
        QUERY.format("2020-06-01", "2023-09-01")]  # fmt: skip
NARROW = [QUERY.format("2021-05-01", "2021-05-02"), QUERY.format("2022-01-10", "2022-01-11")]


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    return make_db(SCHEMA)


def write_log(path: Path, queries: list[str]) -> Path:
    """A server log (the default ``%m [%p] `` prefix): each statement took 900 ms."""
    lines = [
        f"2024-05-01 10:{pid % 60:02}:00.000 UTC [{pid}] LOG:  duration: 900.000 ms"
        f"  statement: {query}"
        for pid, query in enumerate(queries, start=100)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def analyse_log(db: Any, log: Path) -> Report:
    sources = SourceOptions(use_pg_stat_statements=False, logs=(log,))
    return analyze(db.dsn, Settings(min_improvement=0.10), sources, run=RunOptions(review=False))


def the_statement(report: Report) -> StatementResult:
    (found,) = [s for s in report.statements if "events" in s.statement.query]
    return found


def plan_cost(db: Any, query: str) -> float:
    (row,) = db.execute(f"EXPLAIN (FORMAT JSON) {query}")
    return float(row[0][0]["Plan"]["Total Cost"])


def indexed_columns(report: Report) -> set[str]:
    return {k.text for r in report.recommendations for k in r.spec.keys}


def test_one_normal_form_gets_the_advice_its_constants_call_for(db: Any, tmp_path: Path) -> None:
    wide = analyse_log(db, write_log(tmp_path / "wide.log", WIDE))
    narrow = analyse_log(db, write_log(tmp_path / "narrow.log", NARROW))
    assert the_statement(wide).statement.query == the_statement(narrow).statement.query
    assert "$1" in the_statement(wide).statement.query
    assert "at" not in indexed_columns(wide), wide.recommendations
    assert "at" in indexed_columns(narrow), narrow.statements


def test_the_median_sample_is_priced_as_explain_shows_it(db: Any, tmp_path: Path) -> None:
    report = analyse_log(db, write_log(tmp_path / "wide.log", WIDE))
    priced = the_statement(report)
    costs = sorted((plan_cost(db, q), q) for q in WIDE)
    assert priced.planned_query == costs[1][1]
    assert priced.cost_before == pytest.approx(costs[1][0])


def test_a_sample_that_does_not_plan_leaves_the_generic_plan(db: Any, tmp_path: Path) -> None:
    broken = QUERY.format("2021-05-01", "not a date")
    report = analyse_log(db, write_log(tmp_path / "broken.log", [broken]))
    priced = the_statement(report)
    assert priced.planned_query is not None and "$2" in priced.planned_query
    assert priced.cost_before is not None and priced.cost_before > 0
