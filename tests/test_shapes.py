"""Statement shapes that hide their columns from the parse tree, on a real cluster.

Views (over a renamed column), CTEs (inlined, ``NOT MATERIALIZED``, ``MATERIALIZED``), ``ORDER BY``
by position or alias, mixed sort directions, subqueries in FROM, inlined SQL functions and a view
over a partitioned table. Each is analysed twice, given with ``--query`` and read from
pg_stat_statements (sent with server-side parameters, so pgss records ``$n``); the advised index
is then built for real and the planner's EXPLAIN of the statement must read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.numeric import Int4

from advisor.db import ddl
from advisor.migrate.write import write_migrations
from advisor.model import IndexKey, Recommendation, Report
from advisor.pipeline import analyze
from advisor.plan_file import to_document
from advisor.render import json as render_json
from advisor.settings import RunOptions, Settings
from advisor.sources.workload import SourceOptions

SCHEMA = """
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id int NOT NULL,
    created_at timestamptz NOT NULL,
    status text NOT NULL,
    amount numeric(12, 2) NOT NULL,
    ref varchar(20) NOT NULL
);
INSERT INTO orders
SELECT g, g % 1000, timestamptz '2024-01-01' + (hashint4(g) & 65535) * interval '1 minute',
       (ARRAY['new', 'paid', 'shipped', 'cancelled'])[g % 4 + 1], g % 700, 'R' || g
  FROM generate_series(1, 20000) g;
CREATE VIEW active_orders AS
    SELECT id, ref AS order_ref, customer_id, created_at FROM orders WHERE status <> 'cancelled';
CREATE FUNCTION orders_of(customer int) RETURNS SETOF orders
    LANGUAGE sql STABLE AS $$ SELECT * FROM orders WHERE customer_id = customer $$;

CREATE TABLE readings (
    id bigint NOT NULL,
    sensor int NOT NULL,
    at timestamptz NOT NULL,
    value float8 NOT NULL
) PARTITION BY RANGE (at);
CREATE TABLE readings_2024 PARTITION OF readings
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY HASH (sensor);
CREATE TABLE readings_2024_h0 PARTITION OF readings_2024 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE readings_2024_h1 PARTITION OF readings_2024 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE readings_other PARTITION OF readings DEFAULT;
INSERT INTO readings
SELECT g, g % 2000, timestamptz '2024-01-01' + (g % 600) * interval '1 day', g
  FROM generate_series(1, 20000) g;
CREATE VIEW sensor_readings AS SELECT sensor AS device, at, value FROM readings;

ALTER TABLE orders SET (autovacuum_enabled = off);
"""


@dataclass(frozen=True)
class Shape:
    """A statement (psycopg placeholders), its parameters, and the index keys it must get."""

    name: str
    sql: str
    params: tuple[Any, ...]
    keys: tuple[IndexKey, ...]  # the leading keys of the advised index
    table: str = "orders"
    exact: bool = False  # the keys are all of the index's keys
    absent: tuple[str, ...] = ()  # columns no advised index may have as a key


SHAPES = [
    Shape(
        "view over a renamed column",
        "SELECT * FROM active_orders WHERE order_ref = %s",
        ("R4242",),
        (IndexKey("ref"),),
    ),
    Shape(
        "inlined CTE",
        "WITH o AS (SELECT * FROM orders) SELECT * FROM o WHERE customer_id = %s",
        (Int4(7),),
        (IndexKey("customer_id"),),
    ),
    Shape(
        "NOT MATERIALIZED CTE",
        "WITH o AS NOT MATERIALIZED (SELECT * FROM orders) SELECT * FROM o WHERE customer_id = %s",
        (Int4(7),),
        (IndexKey("customer_id"),),
    ),
    Shape(
        "MATERIALIZED CTE: its own filter, not the outer one",
        "WITH o AS MATERIALIZED (SELECT id, customer_id, created_at FROM orders WHERE id >= %s "
        "AND amount = %s) SELECT * FROM o WHERE customer_id = %s",
        (19000, 5, Int4(7)),
        (IndexKey("amount"),),
        absent=("customer_id",),
    ),
    Shape(
        "ORDER BY position",
        "SELECT created_at, status FROM orders ORDER BY 1 DESC LIMIT 10",
        (),
        (IndexKey("created_at"),),
    ),
    Shape(
        "ORDER BY alias",
        "SELECT created_at AS c, status FROM orders ORDER BY c DESC LIMIT 10",
        (),
        (IndexKey("created_at"),),
    ),
    Shape(
        "mixed directions",
        "SELECT * FROM orders ORDER BY customer_id DESC, created_at LIMIT 10",
        (),
        (IndexKey("customer_id", descending=True), IndexKey("created_at")),
        exact=True,
    ),
    Shape(
        "subquery in FROM",
        "SELECT * FROM (SELECT id, customer_id, amount FROM orders WHERE status <> %s) s "
        "WHERE s.customer_id = %s",
        ("cancelled", Int4(7)),
        (IndexKey("customer_id"),),
    ),
    Shape(
        "inlined SQL function",
        "SELECT * FROM orders_of(%s)",
        (Int4(7),),
        (IndexKey("customer_id"),),
    ),
    Shape(
        "view over a partitioned table: advice on the parent",
        "SELECT * FROM sensor_readings WHERE device = %s",
        (Int4(42),),
        (IndexKey("sensor"),),
        table="readings",
    ),
]
SETTINGS = Settings(min_improvement=0.10, weigh_by="planner")
RUN = RunOptions(review=False)


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    return make_db(SCHEMA)


def _reset_statements(db: Any) -> None:
    db.execute("SELECT pg_stat_statements_reset()")


def _analyse(db: Any, shape: Shape, source: str) -> Report:
    if source == "query":
        with psycopg.connect(db.dsn) as conn:  # the text as a user would paste it
            text = psycopg.ClientCursor(conn).mogrify(shape.sql, shape.params)
        options = SourceOptions(use_pg_stat_statements=False, queries=(text,))
    else:
        _reset_statements(db)
        db.run(shape.sql, [shape.params], repeat=3)
        options = SourceOptions(use_pg_stat_statements=True)
    return analyze(db.dsn, SETTINGS, options, run=RUN)


def _plan(db: Any, shape: Shape) -> dict[str, Any]:
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        row = conn.execute("EXPLAIN (FORMAT JSON) " + shape.sql, shape.params or None).fetchone()
    assert row is not None
    plan: dict[str, Any] = row[0][0]["Plan"]
    return plan


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", ()):
        out += _nodes(child)
    return out


def _advice(report: Report, shape: Shape) -> Recommendation:
    on_table = [r for r in report.recommendations if r.spec.table.name == shape.table]
    assert on_table, f"{shape.name}: no advice; statements: {report.statements} {report.skipped}"
    for rec in on_table:
        assert not set(shape.absent) & set(rec.spec.key_texts), rec.spec.describe()
    wanted = [r for r in on_table if r.spec.keys[: len(shape.keys)] == shape.keys]
    assert wanted, f"{shape.name}: {[r.spec.describe() for r in on_table]}"
    if shape.exact:
        assert wanted[0].spec.keys == shape.keys
    return wanted[0]


@pytest.mark.parametrize("source", ["query", "pg_stat_statements"])
@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_shape_gets_an_index_the_planner_uses(db: Any, shape: Shape, source: str) -> None:
    report = _analyse(db, shape, source)
    rec = _advice(report, shape)
    assert any(source in s.statement.source for s in report.statements)
    # built for real (plainly: a partitioned parent refuses CONCURRENTLY), the planner reads it
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(ddl.create_index(rec.spec, rec.name))
        conn.execute("ANALYZE")
        built = {rec.name} | {  # with the partitions' indexes a parent's index made
            name
            for (name,) in conn.execute(
                "SELECT relid::regclass::text FROM pg_partition_tree(%s::regclass)",
                (ddl.display("public", rec.name),),
            )
        }
    try:
        plan = _plan(db, shape)
        read = {n.get("Index Name", "") for n in _nodes(plan)}
        assert read & built, (shape.name, plan)
        if shape.name == "mixed directions":
            assert not [n for n in _nodes(plan) if "Sort" in n["Node Type"]], plan
    finally:
        db.execute(f"DROP INDEX {ddl.display('public', rec.name)}")


def test_mixed_directions_in_every_output(db: Any, tmp_path: Path) -> None:
    """DESC reaches the DDL, describe(), the JSON keys, the plan file and the migrations (applied
    here); ``columns`` is as before."""
    shape = next(s for s in SHAPES if s.name == "mixed directions")
    report = _analyse(db, shape, "query")
    rec = _advice(report, shape)
    assert "(customer_id DESC, created_at)" in rec.create_sql
    assert rec.spec.describe().endswith("(customer_id DESC, created_at)")
    entry = render_json.to_dict(report)["recommendations"][0]
    assert entry["columns"] == ["customer_id", "created_at"]
    assert [(k["text"], k["descending"], k["nulls_first"]) for k in entry["keys"]] == [
        ("customer_id", True, True),
        ("created_at", False, False),
    ]
    planned = to_document(report)["indexes"][0]
    assert planned["keys"] == entry["keys"] and planned["create_sql"] == rec.create_sql
    up, down = sorted(write_migrations(tmp_path, [rec]), key=lambda p: ".down." in p.name)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(up.read_text())
        row = conn.execute(
            "SELECT pg_get_indexdef(%s::regclass)", (ddl.display("public", rec.name),)
        ).fetchone()
        assert row is not None and row[0].endswith("(customer_id DESC, created_at)")
        conn.execute(down.read_text())


def test_existing_index_serves_a_sort_only_in_its_order_or_reversed(db: Any) -> None:
    shape = next(s for s in SHAPES if s.name == "mixed directions")
    reversed_order = "orders_customer_created_rev"
    same_columns = "orders_customer_created_plain"
    db.execute(f"CREATE INDEX {reversed_order} ON orders (customer_id, created_at DESC)")
    try:
        report = _analyse(db, shape, "query")
        assert not report.recommendations
        assert f"existing index {reversed_order}" in (report.statements[0].reason or "")
    finally:
        db.execute(f"DROP INDEX {reversed_order}")
    db.execute(f"CREATE INDEX {same_columns} ON orders (customer_id, created_at)")
    try:  # same columns, but neither this order nor its reverse: a Sort stays
        _advice(_analyse(db, shape, "query"), shape)
    finally:
        db.execute(f"DROP INDEX {same_columns}")


def test_nulls_order_is_kept_where_it_differs(db: Any) -> None:
    shape = Shape(
        "nulls first",
        "SELECT * FROM orders WHERE customer_id = %s ORDER BY created_at NULLS FIRST LIMIT 5",
        (Int4(3),),
        (IndexKey("customer_id"), IndexKey("created_at", nulls_first=True)),
        exact=True,
    )
    rec = _advice(_analyse(db, shape, "query"), shape)
    assert rec.create_sql.endswith("(customer_id, created_at NULLS FIRST)")


def test_planned_query_runs_as_the_docs_say(db: Any) -> None:
    """pgss keeps ``timestamptz $1``, which does not parse; the JSON gives the text planned."""
    _reset_statements(db)
    db.execute("SELECT id FROM orders WHERE created_at >= timestamptz '2024-01-20' LIMIT 3")
    report = analyze(db.dsn, SETTINGS, SourceOptions(), run=RUN)
    entries = json.loads(render_json.render(report))["statements"]
    entry = next(e for e in entries if "timestamptz" in e["query"])
    assert entry["query"] != entry["planned_query"]
    assert "$1::timestamptz" in entry["planned_query"] and "LIMIT $2" in entry["planned_query"]
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.SyntaxError):
            conn.execute(f"PREPARE original AS {entry['query']}")
        conn.execute(f"PREPARE planned AS {entry['planned_query']}")
        conn.execute("SET plan_cache_mode = force_generic_plan")
        row = conn.execute("EXPLAIN (FORMAT JSON) EXECUTE planned(NULL, NULL)").fetchone()
    assert row is not None
    assert round(row[0][0]["Plan"]["Total Cost"], 2) == entry["cost_before"]
