"""End-to-end analysis on a real cluster: each scenario of the spine, asserted on the report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg.types.numeric import Int2, Int4, Int8

from advisor.model import Recommendation, Report, StatementResult
from tests.scenarios import SHOP_SCHEMA

WORKLOAD: list[tuple[str, list[tuple[Any, ...]]]] = [
    # FK equality filter
    ("SELECT id, total FROM orders WHERE customer_id = %s", [(Int8(i),) for i in range(1, 30)]),
    # primary key lookup: already served
    ("SELECT email FROM customers WHERE id = %s", [(Int8(i),) for i in range(1, 30)]),
    # equality + range + ORDER BY ... LIMIT
    (
        "SELECT id, kind FROM events WHERE account_id = %s AND at >= %s ORDER BY at LIMIT 10",
        [(Int4(i), datetime(2024, 2, 1, tzinfo=UTC)) for i in range(20)],
    ),
    # a join that needs an index on both sides
    (
        "SELECT o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.email = %s",
        [(f"User{i}@Example.com",) for i in range(1, 20)],
    ),
    # = ANY($1), in a non-public schema
    (
        "SELECT id, amount FROM billing.invoices WHERE order_id = ANY(%s)",
        [([Int8(i), Int8(i * 3)],) for i in range(1, 20)],
    ),
    # expression
    (
        "SELECT id FROM customers WHERE lower(email) = lower(%s)",
        [(f"user{i}@example.com",) for i in range(1, 20)],
    ),
    # a tiny table
    ("SELECT code FROM countries WHERE name = %s", [("France",)] * 20),
    # a half/half boolean
    ("SELECT count(*) FROM customers WHERE is_active = %s", [(True,), (False,)] * 3),
    # mixed-case quoted identifiers and a reserved word column
    (
        'SELECT "AccountId", "select" FROM "Sales"."UserAccounts" WHERE "EmailAddr" = %s',
        [(f"acct{i}@example.org",) for i in range(1, 20)],
    ),
]

# Literal constants that pg_stat_statements normalizes into forms the server does not accept.
NORMALIZATION_ARTIFACTS = [
    "SELECT count(*) FROM orders WHERE created_at >= date '2024-03-01' "
    "AND created_at < date '2024-03-01' + interval '1' day",
    "SELECT extract(year FROM created_at), count(*) FROM orders "
    "WHERE created_at >= timestamp with time zone '2024-04-01 00:00+00' GROUP BY 1",
    "SELECT count(*) FROM orders "
    "WHERE total BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 AND customer_id = 7",
]


@pytest.fixture(scope="module")
def shop(make_db: Any) -> Any:
    db = make_db(SHOP_SCHEMA)
    for statement, params in WORKLOAD:
        db.run(statement, params)
    for statement in NORMALIZATION_ARTIFACTS:
        db.run(statement, [()], repeat=3)
    # one statement bound as int2 and as int4: two queryids, one statement
    db.run("SELECT status FROM orders WHERE customer_id = %s AND status = 'new'", [(Int2(5),)])
    db.run("SELECT status FROM orders WHERE customer_id = %s AND status = 'new'", [(Int4(70000),)])
    # utility statements and a temporary table
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE scratch AS SELECT g AS a FROM generate_series(1, 5000) g")
        conn.execute("SELECT a FROM scratch WHERE a = %s", (Int4(5),))
        conn.execute("VACUUM countries")
    # the same shape in another database of the cluster must not show up
    other = make_db(SHOP_SCHEMA.split("CREATE TABLE events")[0])
    other.run("SELECT id FROM orders WHERE status = %s AND total > %s", [("new", 5)] * 5)
    return db


@pytest.fixture(scope="module")
def report(shop: Any) -> Report:
    return shop.analyze()


def recs_on(report: Report, table: str) -> list[Recommendation]:
    return [r for r in report.recommendations if r.spec.table.name == table]


def statement(report: Report, fragment: str) -> StatementResult:
    hits = [s for s in report.statements if fragment in s.statement.query]
    assert len(hits) == 1, f"{fragment!r}: {[s.statement.query for s in report.statements]}"
    return hits[0]


def leading(rec: Recommendation) -> str:
    return rec.spec.keys[0].text


def test_fk_equality_filter_gets_an_index(report: Report) -> None:
    result = statement(report, "SELECT id, total FROM orders WHERE customer_id")
    assert result.reason is None
    assert result.cost_after is not None and result.cost_before is not None
    assert result.cost_after < result.cost_before / 10
    assert any(leading(r) == "customer_id" for r in recs_on(report, "orders"))


def test_primary_key_lookup_gets_no_advice(report: Report) -> None:
    result = statement(report, "SELECT email FROM customers WHERE id")
    assert result.reason is not None and "customers_pkey" in result.reason
    assert not any(leading(r) == "id" for r in recs_on(report, "customers"))


def test_equality_range_order_limit_is_one_index_in_the_right_order(report: Report) -> None:
    recs = recs_on(report, "events")
    assert [r.spec.key_texts[:2] for r in recs] == [("account_id", "at")]
    assert statement(report, "FROM events WHERE account_id").reason is None


def test_join_gets_an_index_on_both_sides(report: Report) -> None:
    result = statement(report, "JOIN orders o ON o.customer_id = c.id")
    assert result.reason is None
    helping = [r for r in report.recommendations
               if any("JOIN orders o" in e.statement.query for e in r.effects)]  # fmt: skip
    assert {(r.spec.table.name, leading(r)) for r in helping} >= {
        ("customers", "email"),
        ("orders", "customer_id"),
    }


def test_any_array_in_a_non_public_schema(report: Report) -> None:
    recs = recs_on(report, "invoices")
    assert len(recs) == 1
    assert recs[0].spec.table.schema == "billing" and leading(recs[0]) == "order_id"
    assert "billing.invoices" in recs[0].create_sql


def test_expression_index(report: Report) -> None:
    exprs = [r for r in recs_on(report, "customers") if r.spec.keys[0].expression]
    assert [r.spec.key_texts for r in exprs] == [("lower(email)",)]
    assert "(lower(email))" in exprs[0].create_sql


def test_tiny_table_and_half_half_boolean_get_no_advice(report: Report) -> None:
    tiny = statement(report, "FROM countries WHERE name")
    assert tiny.reason is not None and "size threshold" in tiny.reason
    boolean = statement(report, "WHERE is_active")
    assert boolean.reason is not None
    assert not recs_on(report, "countries")
    assert not any(leading(r) == "is_active" for r in recs_on(report, "customers"))


def test_mixed_case_identifiers_are_quoted(report: Report) -> None:
    recs = recs_on(report, "UserAccounts")
    assert len(recs) == 1
    assert recs[0].spec.table.schema == "Sales"
    assert recs[0].spec.key_texts == ("EmailAddr",)
    assert '"Sales"."UserAccounts"' in recs[0].create_sql and '("EmailAddr")' in recs[0].create_sql


def test_statements_of_other_databases_are_ignored(report: Report) -> None:
    queries = [s.statement.query for s in report.statements] + [
        s.statement.query for s in report.skipped
    ]
    assert not any("status = $1 AND total > $2" in q for q in queries)


def test_utility_and_temp_table_statements_are_skipped_with_reasons(report: Report) -> None:
    reasons = {s.statement.query: s.reason for s in report.skipped}
    vacuum = [r for q, r in reasons.items() if q.startswith("VACUUM")]
    assert vacuum and "utility" in vacuum[0]
    temp = [r for q, r in reasons.items() if "FROM scratch" in q]
    assert temp and "not found" in temp[0]


def test_int2_int4_queryids_are_merged(report: Report) -> None:
    result = statement(report, "SELECT status FROM orders WHERE customer_id")
    assert len(result.statement.queryids) >= 2
    assert result.statement.calls == 2


def test_normalization_artifacts_are_repaired_and_planned(report: Report) -> None:
    dated = statement(report, "created_at < date $2 + interval")
    assert any("::date" in note for note in dated.repairs)
    assert dated.cost_before is not None
    extract = statement(report, "extract(")
    assert any("extract" in note for note in extract.repairs)
    # the field stays a parameter (no made-up field to offer expression indexes on)
    assert extract.planned_query and "pg_catalog.date_part($" in extract.planned_query
    assert extract.cost_before is not None
    arithmetic = statement(report, "BETWEEN $1 - $2")
    assert any("cast to numeric" in note for note in arithmetic.repairs)
    skipped = {s.statement.query for s in report.skipped}
    assert not any("FROM orders" in q and ("date $" in q or "extract($" in q) for q in skipped)


def test_workload_summary_counts_explain_calls(report: Report) -> None:
    assert report.explain_calls >= len(report.statements)
    assert report.workload_cost_after < report.workload_cost_before
