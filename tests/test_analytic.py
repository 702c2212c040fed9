"""Analytic statements on a small star schema, run with literals so that pg_stat_statements holds
their normal forms: CTEs on CTEs, derived tables, ``$n + $m`` against a CTE's output column,
date arithmetic, repeated GROUP BY expressions; and the join-column candidates of a fact table."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from advisor.candidates import btree
from advisor.collect.catalog import read_catalog
from advisor.model import ParsedStatement, Report, Statement, StatementResult
from advisor.parse.statement import analyse
from advisor.settings import Settings
from advisor.sources.model import FILE

STAR = """
CREATE TABLE days (
    day_id int PRIMARY KEY, day date NOT NULL, year int NOT NULL, month int NOT NULL,
    month_seq int NOT NULL
);
INSERT INTO days
SELECT g, date '1995-01-01' + g, extract(year FROM date '1995-01-01' + g)::int,
       extract(month FROM date '1995-01-01' + g)::int,
       (extract(year FROM date '1995-01-01' + g)::int - 1900) * 12
           + extract(month FROM date '1995-01-01' + g)::int - 1
  FROM generate_series(0, 5000) g;
CREATE TABLE products (
    product_id int PRIMARY KEY, category text NOT NULL, brand text NOT NULL,
    maker int NOT NULL, price numeric(7, 2) NOT NULL, label text NOT NULL
);
INSERT INTO products
SELECT g, 'cat' || g % 10, 'brand' || g % 300, g % 500, (g % 100) + 0.99, 'product ' || g
  FROM generate_series(1, 5000) g;
CREATE TABLE shoppers (
    shopper_id int PRIMARY KEY, name text NOT NULL, region text NOT NULL, born int NOT NULL
);
INSERT INTO shoppers
SELECT g, 'name' || g, 'r' || g % 40, 1940 + g % 60 FROM generate_series(1, 20000) g;
CREATE TABLE sales (
    sale_id bigint PRIMARY KEY, day_id int NOT NULL, product_id int NOT NULL,
    shopper_id int NOT NULL, quantity int NOT NULL, amount numeric(9, 2) NOT NULL
);
INSERT INTO sales
SELECT g, 1096 + (hashint4(g) & 2147483647) % 1826,
       1 + (hashint4(g * 3) & 2147483647) % 5000, 1 + (hashint4(g * 7) & 2147483647) % 20000,
       1 + g % 20, (g % 500) / 10.0
  FROM generate_series(1, 300000) g;
"""

CTE_ARITHMETIC = """
WITH yearly AS (
    SELECT s.shopper_id, d.year AS year_, sum(s.amount) AS total
      FROM sales s JOIN days d ON d.day_id = s.day_id
     WHERE d.year IN (1999, 1999 + 1)
     GROUP BY s.shopper_id, d.year
), grown AS (
    SELECT a.shopper_id, b.total / a.total AS growth
      FROM yearly a JOIN yearly b ON b.shopper_id = a.shopper_id
     WHERE a.year_ = 1999 AND b.year_ = 1999 + 1 AND a.total > 0
)
SELECT shopper_id, growth FROM grown WHERE growth > 1.5 * 2 ORDER BY growth DESC LIMIT 10
"""
DERIVED_ON_CTE = """
WITH cheap AS (SELECT product_id, brand FROM products WHERE price < 5 + 5),
     brands AS (SELECT brand, count(*) AS n FROM (SELECT * FROM cheap) c GROUP BY brand)
SELECT b.brand, x.qty
  FROM brands b,
       (SELECT p.brand, sum(s.quantity) AS qty
          FROM sales s JOIN cheap p ON p.product_id = s.product_id
         GROUP BY p.brand) x
 WHERE x.brand = b.brand AND b.n > 1
"""
DATE_ARITHMETIC = """
SELECT count(*) FROM sales s JOIN days d ON d.day_id = s.day_id
 WHERE d.day BETWEEN cast('2000-02-01' AS date) AND cast('2000-02-01' AS date) + 30
"""
REPEATED_GROUP_EXPRESSION = """
SELECT substr(p.label, 1, 9), sum(s.amount) FROM sales s JOIN products p USING (product_id)
 WHERE p.maker = 42 GROUP BY substr(p.label, 1, 9) ORDER BY substr(p.label, 1, 9)
"""
UNTYPED_SELECT_LIST = """
SELECT shopper_id, 1 + 1 AS bump FROM shoppers WHERE region = 'r7' AND born > 1980
"""
STAR_JOIN = """
SELECT p.brand, sum(s.amount)
  FROM sales s, days d, products p
 WHERE s.day_id = d.day_id AND s.product_id = p.product_id
   AND d.year = 2000 AND d.month = 11 AND p.maker = 128
 GROUP BY p.brand
"""
WHOLE_TABLES = """
SELECT h.region, sum(s.amount) FROM sales s JOIN shoppers h USING (shopper_id)
 WHERE h.born > 1900 GROUP BY h.region
"""

LITERAL_STATEMENTS = [
    CTE_ARITHMETIC,
    DERIVED_ON_CTE,
    DATE_ARITHMETIC,
    REPEATED_GROUP_EXPRESSION,
    UNTYPED_SELECT_LIST,
    STAR_JOIN,
    WHOLE_TABLES,
]


@pytest.fixture(scope="module")
def star(make_db: Any) -> Any:
    db = make_db(STAR)
    for statement in LITERAL_STATEMENTS:
        db.run(statement, [()], repeat=2)
    return db


@pytest.fixture(scope="module")
def report(star: Any) -> Report:
    return star.analyze()


def result(report: Report, fragment: str) -> StatementResult:
    hits = [s for s in report.statements if fragment in s.statement.query]
    skipped = [f"{s.statement.query[:80]}: {s.reason}" for s in report.skipped]
    assert len(hits) == 1, f"{fragment!r} not analysed; skipped: {skipped}"
    return hits[0]


def test_every_literal_statement_plans_from_its_normal_form(report: Report) -> None:
    workload = [s for s in report.skipped if "sales" in s.statement.query]
    assert workload == [], [s.reason for s in workload]
    queries = [s.statement.query for s in report.statements]
    assert all("$" in q for q in queries if "sales" in q)  # normal forms, not the literals


def test_parameters_against_a_ctes_output_column_are_typed(report: Report) -> None:
    found = result(report, "WITH yearly AS")
    assert found.cost_before is not None
    assert any("cast to integer" in r for r in found.repairs), found.repairs


def test_a_cte_and_a_derived_table_see_earlier_ctes(report: Report) -> None:
    found = result(report, "WITH cheap AS")
    assert found.cost_before is not None
    assert not (found.reason or "").startswith("table not found")


def test_a_number_of_days_added_to_a_date(report: Report) -> None:
    found = result(report, "d.day BETWEEN")
    assert any("cast to integer" in r for r in found.repairs), found.repairs


def test_a_repeated_group_by_expression_gets_the_select_lists_parameters(report: Report) -> None:
    found = result(report, "substr(p.label")
    assert any("GROUP BY expression" in r for r in found.repairs), found.repairs


def test_parameters_nothing_types_are_tried_in_turn(report: Report) -> None:
    found = result(report, "AS bump")
    assert any("numeric by trial" in r for r in found.repairs), found.repairs


def names(report: Report) -> list[str]:
    return sorted(r.spec.describe() for r in report.recommendations)


def test_a_budget_that_does_not_bind_changes_nothing(star: Any, report: Report) -> None:
    total = sum(r.estimated_size_bytes for r in report.recommendations)
    assert len(report.recommendations) >= 2
    for budget in (total, total + 2**20, 10 * total):
        assert names(star.analyze(max_size_bytes=budget)) == names(report), budget


def test_a_fact_tables_join_column_is_proposed_and_chosen(report: Report) -> None:
    found = result(report, "AND p.maker = $")
    assert found.reason is None and found.cost_after is not None
    assert found.cost_before is not None and found.cost_after < 0.5 * found.cost_before
    on_sales = [
        r
        for r in report.recommendations
        if r.spec.table.name == "sales"
        and r.spec.key_texts[0] in ("product_id", "day_id")
        and any("AND p.maker" in e.statement.query for e in r.effects)
    ]
    assert on_sales, [r.spec.describe() for r in report.recommendations]


def test_a_statement_no_index_helps_says_where_its_cost_is(report: Report) -> None:
    found = result(report, "h.born >")
    assert found.reason is not None and "in full" in found.reason, found.reason
    assert "sales" in found.reason


def candidate_keys(star: Any, query: str) -> dict[str, set[tuple[str, ...]]]:
    """The B-tree key tuples the generator proposes for ``query`` on the star's real catalog,
    by table."""
    with psycopg.connect(star.dsn) as conn:
        catalog = read_catalog(conn)
    parsed = analyse(Statement(None, (), query, 1, 1.0, 1.0, source=FILE), catalog)
    assert isinstance(parsed, ParsedStatement), parsed
    found: dict[str, set[tuple[str, ...]]] = {}
    for spec in btree.generate(parsed, catalog, Settings()):
        found.setdefault(spec.table.name, set()).add(spec.key_texts)
    return found


def test_a_filter_column_is_combined_with_the_join_column_it_feeds(star: Any) -> None:
    """Issue 17, candidates: a filtered dimension feeding a join gets (filter, join key), read
    without its rows; a join key probed by a nested loop gets (join key, filter) too."""
    star_join = candidate_keys(star, STAR_JOIN)
    assert ("maker", "product_id") in star_join["products"], star_join["products"]
    assert ("product_id", "maker") in star_join["products"], star_join["products"]
    # the equality filters most selective first (14 years, then 12 months), the join key
    # after them or ahead of them
    both = {("year", "month", "day_id"), ("day_id", "year", "month")}
    assert both <= star_join["days"], star_join["days"]
    dated = candidate_keys(star, DATE_ARITHMETIC)
    # a range, then the join key; and the join key, then the range
    assert {("day", "day_id"), ("day_id", "day")} <= dated["days"], dated["days"]
