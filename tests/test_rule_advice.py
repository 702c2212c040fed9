"""Rule-based GIN advice earns its place: table size, the share of the plan a scan takes, upkeep
against what the scans cost, and the budgets."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from advisor.model import Recommendation, Report

SCHEMA = """
CREATE TABLE articles (id bigint PRIMARY KEY, body text NOT NULL);
INSERT INTO articles SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 200000) g;
CREATE TABLE orders (id bigint PRIMARY KEY, tag_id int NOT NULL, amount int NOT NULL);
INSERT INTO orders SELECT g, 1 + g % 3000, g % 1000 FROM generate_series(1, 400000) g;
CREATE INDEX orders_tag_id ON orders (tag_id);
CREATE TABLE tags (id int PRIMARY KEY, label text NOT NULL);
INSERT INTO tags SELECT g, 'tag ' || md5(g::text) FROM generate_series(1, 3000) g;
CREATE TABLE notes (id int PRIMARY KEY, line text NOT NULL);
INSERT INTO notes SELECT g, 'note ' || md5(g::text) FROM generate_series(1, 4000) g;
ALTER TABLE articles SET (autovacuum_enabled = off);
ALTER TABLE orders SET (autovacuum_enabled = off);
ALTER TABLE tags SET (autovacuum_enabled = off);
ALTER TABLE notes SET (autovacuum_enabled = off);
"""


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    # a wildcard search over a large table: the scan is the whole statement
    database.run("SELECT id FROM articles WHERE body LIKE %s", [("%abc%",)] * 5)
    # the scan of a small table inside a large join (already indexed): the join is the statement
    database.run(
        "SELECT sum(o.amount) FROM orders o JOIN tags t ON t.id = o.tag_id WHERE t.label LIKE %s",
        [("%a%",)] * 5,
    )
    # a small table written all day, searched rarely
    with psycopg.connect(database.dsn, autocommit=True) as conn:
        for i in range(300):
            conn.execute(
                "INSERT INTO notes SELECT g, 'note ' || md5(g::text) "
                "FROM generate_series(%s::int, %s::int) g",
                (5000 + i * 100, 5000 + i * 100 + 99),
            )
    database.run("SELECT id FROM notes WHERE line LIKE %s", [("%ab%",)] * 2)
    database.execute("ANALYZE notes")
    return database


@pytest.fixture(scope="module")
def report(db: Any) -> Report:
    return db.analyze()


def gin_on(report: Report, table: str) -> list[Recommendation]:
    return [
        r for r in report.recommendations if r.spec.table.name == table and r.spec.method == "gin"
    ]


def reason_for(report: Report, fragment: str) -> str:
    hits = [s for s in report.statements if fragment in s.statement.query]
    assert len(hits) == 1
    return hits[0].reason or ""


def test_a_scan_that_is_the_statement_gets_a_trigram_index(report: Report) -> None:
    (rec,) = gin_on(report, "articles")
    assert "gin_trgm_ops" in rec.create_sql
    # the estimate is of a trigram index (about 34 entries per row), not of a B-tree
    assert rec.estimated_size_bytes > 200_000 * 34


def test_a_small_tables_scan_inside_a_large_join_gets_none(report: Report) -> None:
    assert gin_on(report, "tags") == []
    assert "not advised" in reason_for(report, "t.label LIKE")
    assert "of the statement's plan cost" in reason_for(report, "t.label LIKE")


def test_upkeep_above_what_the_scans_cost_gets_none(report: Report) -> None:
    assert gin_on(report, "notes") == []
    assert "upkeep" in reason_for(report, "line LIKE")


def test_rule_advice_obeys_min_table_rows_and_the_budgets(db: Any, report: Report) -> None:
    size = gin_on(report, "articles")[0].estimated_size_bytes
    assert gin_on(db.analyze(min_table_rows=300_000), "articles") == []
    assert gin_on(db.analyze(max_size_bytes=size - 1), "articles") == []
    assert gin_on(db.analyze(max_size_bytes=size), "articles") != []
    assert db.analyze(max_indexes=0).recommendations == ()
