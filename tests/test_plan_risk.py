"""A plan whose cost rests on a row count guessed over a CTE's output is named, with what would
help, without any measured time (``advisor.plan_risk``), on a real server.

The statement is the year-over-year shape of decision-support reports: per-customer totals in a
CTE, read four times, each read filtered on two of its columns. A CTE's output has no statistics,
so the planner keeps 0.5 % of its rows per equality and expects one customer where there are
hundreds; it then joins in a nested loop that reads the CTE in full once per outer row. The
server's own EXPLAIN ANALYZE shows the premise; nothing here is timed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from advisor import plan_risk
from advisor.mcp import summary as mcp_summary
from advisor.model import Report, StatementResult, TableRef
from advisor.pipeline import analyze
from advisor.render import json as analyze_json
from advisor.settings import RunOptions, Settings
from advisor.sources.workload import SourceOptions
from advisor.table_view.build import _verdicts
from tests.rendered_notes import assert_listed

CUSTOMERS = 1500
SCHEMA = f"""
CREATE TABLE sale (id bigint PRIMARY KEY, customer int NOT NULL, channel text NOT NULL,
                   year int NOT NULL, amount numeric NOT NULL, region int NOT NULL);
INSERT INTO sale
SELECT g, g % {CUSTOMERS}, CASE WHEN g / {CUSTOMERS} % 2 = 0 THEN 's' ELSE 'w' END,
       2001 + g / {CUSTOMERS * 2} % 2, 1 + g % 97, g * 5 / {CUSTOMERS * 40}
  FROM generate_series(1, {CUSTOMERS * 40}) g;
CREATE TABLE customer (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO customer SELECT g, 'c' || g FROM generate_series(0, 20 * {CUSTOMERS}) g;
"""

TOTALS = "SELECT customer, channel, year, sum(amount) AS total FROM sale GROUP BY 1, 2, 3"
GROWTH = """
SELECT s1.customer
  FROM {t} s1, {t} s2, {t} w1, {t} w2
 WHERE s1.customer = s2.customer AND s1.customer = w1.customer AND s1.customer = w2.customer
   AND s1.channel = {s} AND s1.year = {y1} AND s2.channel = {s} AND s2.year = {y2}
   AND w1.channel = {w} AND w1.year = {y1} AND w2.channel = {w} AND w2.year = {y2}
   AND w2.total / w1.total > s2.total / s1.total
 ORDER BY 1 LIMIT 100
"""
CONSTANTS = {"s": "'s'", "w": "'w'", "y1": "2001", "y2": "2002"}
# the report as written: a CTE read four times
RISKY = f"WITH totals AS ({TOTALS})" + GROWTH.format(t="totals", **CONSTANTS)
# the same report for one region: an index on sale (region) cuts the cost of the CTE's body
REGIONAL = (
    f"WITH totals AS ({TOTALS.replace('FROM sale', 'FROM sale WHERE region = 3')})"
    + GROWTH.format(t="totals", **CONSTANTS)
)
# what the note advises: the same totals in a table with statistics
ANALYZED = GROWTH.format(t="totals_table", **CONSTANTS)
# a join the CTE cannot feed by equality: no plan without a nested loop (a CTE read once is
# inlined unless MATERIALIZED)
NON_EQUI = (
    f"WITH totals AS MATERIALIZED ({TOTALS}) SELECT count(*) FROM totals t "
    "JOIN sale s ON s.amount > t.total WHERE t.channel = 's' AND t.year = 2001"
)
# a nested loop the outer row parameterizes: each loop is one index lookup
LOOKUP = (
    f"WITH totals AS MATERIALIZED ({TOTALS}) SELECT c.name, t.total FROM totals t JOIN customer c "
    "ON c.id = t.customer WHERE t.channel = 's' AND t.year = 2001"
)

# a semi join: each outer row's loop stops at its first match, here the inner side's first row
SEMI = (
    f"WITH totals AS MATERIALIZED ({TOTALS}) SELECT count(*) FROM totals t "
    "WHERE t.channel = 's' AND t.year = 2001 "
    "AND EXISTS (SELECT 1 FROM sale s WHERE s.amount < t.total)"
)

# a CTE read whole on the outer side: its row count is its plan's, over sale's statistics
WHOLE = (
    "WITH mine AS MATERIALIZED (SELECT amount FROM sale WHERE customer = 5) "
    "SELECT count(*) FROM mine m JOIN sale s ON s.amount > m.amount"
)

# the same shape over two CTEs, one per channel: the guess is made over both
TWO_CTES = (
    "WITH s AS (SELECT customer, year, region, sum(amount) AS total FROM sale "
    "WHERE channel = 's' GROUP BY 1, 2, 3), "
    "w AS (SELECT customer, year, region, sum(amount) AS total FROM sale "
    "WHERE channel = 'w' GROUP BY 1, 2, 3) "
    "SELECT s1.customer FROM s s1, s s2, w w1, w w2 "
    "WHERE s1.customer = s2.customer AND s1.region = s2.region AND s1.customer = w1.customer "
    "AND w1.customer = w2.customer AND w1.region = w2.region AND s1.year = 2001 "
    "AND s2.year = 2002 AND w1.year = 2001 AND w2.year = 2002 "
    "AND w2.total / w1.total > s2.total / s1.total"
)


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    with psycopg.connect(database.dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE totals_table AS {TOTALS}")
        conn.execute("ANALYZE totals_table")
    return database


def explain(db: Any, query: str, *, analyze_it: bool = False, nestloop: bool = True) -> Any:
    with psycopg.connect(db.dsn) as conn:
        if not nestloop:
            conn.execute("SET enable_nestloop = off")
        options = "ANALYZE, FORMAT JSON" if analyze_it else "FORMAT JSON"
        (row,) = conn.execute(f"EXPLAIN ({options}) {query}").fetchall()
    return row[0][0]["Plan"]


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def loops_over_cte(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The nested loops whose inner side is a CTE scan."""
    return [
        n for n in nodes(plan) if n["Node Type"] == "Nested Loop" and any(
            c["Node Type"] == "CTE Scan" and c.get("Parent Relationship") == "Inner"
            for c in n["Plans"]
        )
    ]  # fmt: skip


def test_the_outer_estimate_is_a_guess_far_too_low(db: Any) -> None:
    """The premise, from the server: a loop reads the CTE once per outer row, and that side
    returns at least 100 times the rows the planner expected."""
    plan = explain(db, RISKY, analyze_it=True)
    loops = loops_over_cte(plan)
    assert loops, plan
    worst = max(
        (n["Plans"][0]["Actual Rows"] * n["Plans"][0]["Actual Loops"]) / n["Plans"][0]["Plan Rows"]
        for n in loops
    )
    assert worst >= 100, worst


def analyse(db: Any, *queries: str) -> Report:
    sources = SourceOptions(use_pg_stat_statements=False, queries=queries, with_workload=True)
    return analyze(db.dsn, Settings(), sources, run=RunOptions(review=False))


def result(report: Report, query: str) -> StatementResult:
    (found,) = [s for s in report.statements if s.statement.query.strip() == query.strip()]
    return found


@pytest.fixture(scope="module")
def report(db: Any) -> Report:
    return analyse(db, RISKY, ANALYZED, NON_EQUI, LOOKUP, WHOLE, REGIONAL)


def test_a_loop_over_a_guessed_row_count_is_named_with_what_would_help(
    db: Any, report: Report
) -> None:
    risk = result(report, RISKY).plan_risk
    assert risk is not None
    assert risk.inner == "CTE totals" and risk.outer_source == "CTE totals"
    assert risk.outer_rows < 10  # the guess ...
    assert risk.cost_factor >= 2  # ... that, 100x too low, would at least double the cost
    assert risk.plan_cost == pytest.approx(explain(db, RISKY)["Total Cost"], rel=0.01)
    assert "temporary table with ANALYZE in place of the CTE" in risk.note
    assert "no statistics" in risk.note and "No index repairs a misestimate" in risk.note
    # the hedge is the planner's own: with nested loops off, a plan without one, at that cost
    hedged = explain(db, RISKY, nestloop=False)
    assert not any(n["Node Type"] == "Nested Loop" for n in nodes(hedged)), hedged
    assert risk.hedged_cost == pytest.approx(hedged["Total Cost"], rel=0.01)
    assert "SET LOCAL enable_nestloop = off" in risk.note
    assert f"{risk.hedged_cost:,.0f}" in risk.note


def test_advice_on_a_flagged_statement_is_kept_and_said_uncertain(report: Report) -> None:
    """An index on sale (region) cuts the regional report's plan cost: it stays advised, and its
    note says that the time this saves is uncertain while the loop rests on the guess."""
    regional = result(report, REGIONAL)
    risk = regional.plan_risk
    assert risk is not None and regional.reason is None, regional
    assert risk.advice_gain is not None and risk.advice_gain >= 0.10
    assert f"cuts its plan cost by {risk.advice_gain:.0%}" in risk.note
    assert "how much time that saves is uncertain" in risk.note
    (serving,) = [
        r for r in report.recommendations
        if any(e.statement == regional.statement for e in r.effects)
    ]  # fmt: skip
    assert serving.spec.table == TableRef("public", "sale"), serving.spec.describe()
    assert serving.spec.key_texts[0] == "region", serving.spec.describe()
    assert any("the time this index saves it is uncertain" in n for n in serving.notes)
    unhelped = result(report, RISKY)
    assert unhelped.plan_risk is not None and unhelped.plan_risk.advice_gain is None


def test_a_guess_over_two_ctes_names_both(db: Any) -> None:
    risk = result(analyse(db, TWO_CTES), TWO_CTES).plan_risk
    assert risk is not None and risk.outer_source == "CTEs s, w", risk
    assert analyze_json.plan_risk(risk)["ctes"] == ["s", "w"]
    assert "temporary tables with ANALYZE in place of the CTEs" in risk.note


def test_what_the_note_advises_clears_it(report: Report) -> None:
    """The same report over a table with statistics plans without the guess: not flagged."""
    assert result(report, ANALYZED).plan_risk is None


def test_an_index_lookup_per_outer_row_is_not_a_risk(db: Any, report: Report) -> None:
    plan = explain(db, LOOKUP)
    assert any(n["Node Type"] == "Nested Loop" for n in nodes(plan)), plan
    assert result(report, LOOKUP).plan_risk is None


def test_a_semi_join_stops_at_the_first_match(db: Any) -> None:
    """The loop of an EXISTS over the guessed rows reads one inner row per outer row, not the
    inner side in full (the server's EXPLAIN ANALYZE shows it): no risk is named."""
    plan = explain(db, SEMI, analyze_it=True)
    (loop,) = [n for n in nodes(plan) if n["Node Type"] == "Nested Loop"]
    assert loop["Join Type"] == "Semi" and "Join Filter" in loop, loop
    inner = next(c for c in loop["Plans"] if c.get("Parent Relationship") == "Inner")
    assert loop["Plans"][0]["Actual Rows"] >= 100  # the guess is far too low, as in RISKY
    assert inner["Actual Rows"] <= 1 < inner["Plan Rows"] / 100, inner  # per loop, on average
    assert plan_risk.find(explain(db, SEMI)) is None


def test_a_cte_read_whole_is_estimated_from_its_plan(db: Any, report: Report) -> None:
    """A loop that reads sale in full per outer row, where the outer rows are a whole CTE: the
    planner's count of them comes from sale's statistics, and is right."""
    plan = explain(db, WHOLE, analyze_it=True)
    (loop,) = [n for n in nodes(plan) if n["Node Type"] == "Nested Loop"]
    outer = loop["Plans"][0]
    assert outer["Node Type"] == "CTE Scan" and "Filter" not in outer, outer
    assert outer["Actual Rows"] == pytest.approx(outer["Plan Rows"], rel=0.5)
    assert result(report, WHOLE).plan_risk is None


def test_without_a_plan_free_of_nested_loops_only_the_table_is_advised(report: Report) -> None:
    """A non-equality join has no hash or merge plan: the safer plan is not offered, and the
    inner side the loop reads whole is the table."""
    risk = result(report, NON_EQUI).plan_risk
    assert risk is not None
    assert risk.inner in {"table public.sale"} or risk.inner.endswith("from table public.sale")
    assert risk.hedged_cost is None
    assert "enable_nestloop" not in risk.note
    assert "temporary table with ANALYZE" in risk.note


def test_the_safer_plan_is_not_priced_past_the_explain_limit(db: Any) -> None:
    """--max-explains reached by the baseline: the risk is still named (it costs no plan), the
    EXPLAIN with nested loops off is not made."""
    sources = SourceOptions(use_pg_stat_statements=False, queries=(RISKY,), with_workload=True)
    limited = analyze(db.dsn, Settings(max_explains=1), sources, run=RunOptions(review=False))
    assert limited.explain_calls == 1
    risk = result(limited, RISKY).plan_risk
    assert risk is not None and risk.hedged_cost is None
    assert "enable_nestloop" not in risk.note


def test_every_output_says_the_same(report: Report) -> None:
    risky = result(report, RISKY)
    risk = risky.plan_risk
    assert risk is not None
    assert_listed(report, "Statements whose plan rests on a guessed row count", risk.note)
    data = json.loads(analyze_json.render(report))
    flagged = {s["query"].strip(): s["plan_risk"] for s in data["statements"] if s["plan_risk"]}
    assert set(flagged) == {RISKY.strip(), NON_EQUI.strip(), REGIONAL.strip()}
    found = flagged[RISKY.strip()]
    assert found["note"] == risk.note and found["inner"] == "CTE totals"
    assert found["assumed_underestimate"] == plan_risk.MISESTIMATE
    assert found["hedged_cost"] == pytest.approx(risk.hedged_cost, abs=0.01)
    assert flagged[NON_EQUI.strip()]["hedged_cost"] is None
    assert flagged[REGIONAL.strip()]["gain_uncertain"] is True
    assert "3 statements with a plan whose cost rests on a row count" in mcp_summary.analysis(
        data, []
    )
    touching, _ = _verdicts(
        [risky.statement, result(report, LOOKUP).statement], TableRef("public", "sale"), report
    )
    assert touching[0].plan_risk == risk and touching[1].plan_risk is None


ENTRIES = "SELECT count(*) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'"


def test_a_statement_from_pg_stat_statements_is_judged_on_its_generic_plan(db: Any) -> None:
    """Run for real with bound parameters, the report reaches pg_stat_statements as ``$n``: its
    generic plan rests on the same guess, and analysing it adds no entry of its own."""
    bound = f"WITH totals AS ({TOTALS})" + GROWTH.format(t="totals", s="%s", w="%s", y1="%s",
                                                         y2="%s")  # fmt: skip
    args = ("s", 2001, "s", 2002, "w", 2001, "w", 2002)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        conn.execute(bound, args)
        before = conn.execute(ENTRIES).fetchone()
    report = analyze(db.dsn, Settings(), SourceOptions(), run=RunOptions(review=False))
    (found,) = [s for s in report.statements if "totals" in s.statement.query]
    assert "$1" in found.statement.query
    assert found.plan_risk is not None and found.plan_risk.hedged_cost is not None
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        after = conn.execute(ENTRIES).fetchone()
    assert after == before
