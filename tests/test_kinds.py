"""Every index kind on a real database: partial, covering, BRIN, GIN by rule, RLS-aware."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from psycopg.types.numeric import Int4

from advisor.model import Recommendation, Report
from tests.conftest import vacuum_all_visible

SCHEMA = """
CREATE TABLE notes (
    id bigint PRIMARY KEY,
    account_id int NOT NULL,
    body text NOT NULL,
    deleted_at timestamptz
);
INSERT INTO notes
SELECT g, g % 3000, md5(g::text),
       CASE WHEN g % 20 = 0 THEN NULL ELSE timestamptz '2024-01-01' END
  FROM generate_series(1, 150000) g;

CREATE TABLE readings (
    id bigint PRIMARY KEY,
    sensor int NOT NULL,
    value float8 NOT NULL,
    at timestamptz NOT NULL,
    filler text NOT NULL
);
INSERT INTO readings
SELECT g, g % 50, g * 0.5, timestamptz '2024-01-01' + g * interval '1 second', repeat('r', 60)
  FROM generate_series(1, 400000) g;

CREATE TABLE docs (
    id bigint PRIMARY KEY,
    payload jsonb NOT NULL,
    title text NOT NULL
);
INSERT INTO docs
SELECT g, jsonb_build_object('kind', 'k' || g % 100, 'n', g), 'title ' || g
  FROM generate_series(1, 50000) g;

CREATE TABLE tenant_items (
    id bigint PRIMARY KEY,
    tenant_id int NOT NULL,
    created_at timestamptz NOT NULL,
    name text NOT NULL
);
INSERT INTO tenant_items
SELECT g, g % 500, timestamptz '2024-01-01' + (hashint4(g) & 65535) * interval '1 minute',
       'item ' || g
  FROM generate_series(1, 200000) g;
ALTER TABLE tenant_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_items
    USING (tenant_id = current_setting('app.tenant', true)::int);
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'advisor_app') THEN
        CREATE ROLE advisor_app;
    END IF;
END $$;
GRANT SELECT ON tenant_items TO advisor_app;
-- the statistics the assertions rest on must not be resampled by autovacuum mid-test
ALTER TABLE notes SET (autovacuum_enabled = off);
ALTER TABLE readings SET (autovacuum_enabled = off);
ALTER TABLE docs SET (autovacuum_enabled = off);
ALTER TABLE tenant_items SET (autovacuum_enabled = off);
"""

START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    database.execute("VACUUM")  # all-visible pages, as on a table autovacuum keeps up with
    vacuum_all_visible(database.dsn, "readings")
    database.run(
        "SELECT id, body FROM notes WHERE account_id = %s AND deleted_at IS NULL",
        [(Int4(i),) for i in range(40)],
    )
    database.run(
        "SELECT sum(value) FROM readings WHERE sensor = %s", [(Int4(i),) for i in range(5)]
    )
    database.run(
        "SELECT * FROM readings WHERE at >= %s AND at < %s",
        [(START + timedelta(hours=h), START + timedelta(hours=h + 6)) for h in range(10)],
    )
    database.run(
        "SELECT id, title FROM docs WHERE payload @> %s",
        [(Jsonb({"kind": f"k{i}"}),) for i in range(10)],
    )
    with psycopg.connect(database.dsn, autocommit=True) as conn:
        conn.execute("SET ROLE advisor_app")
        conn.execute("SET app.tenant = '7'")
        for day in range(20):
            conn.execute(
                "SELECT id, name FROM tenant_items WHERE created_at >= %s ORDER BY created_at "
                "LIMIT 20",
                (START + timedelta(days=day),),
            ).fetchall()
    return database


@pytest.fixture(scope="module")
def report(db: Any) -> Report:
    return db.analyze(role=None)


def on(report: Report, table: str) -> list[Recommendation]:
    return [r for r in report.recommendations if r.spec.table.name == table]


def test_partial_index_for_soft_deleted_rows(report: Report) -> None:
    recs = on(report, "notes")
    assert len(recs) == 1
    assert recs[0].spec.where == "deleted_at IS NULL"
    assert recs[0].spec.key_texts[0] == "account_id"
    assert "WHERE deleted_at IS NULL" in recs[0].create_sql


def test_partial_is_cheaper_than_the_full_index(db: Any, report: Report) -> None:
    """Build both for real: the planner prefers the partial one, which is also smaller."""
    rec = on(report, "notes")[0]
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(rec.create_sql)
        conn.execute("CREATE INDEX notes_full_idx ON notes (account_id)")
        conn.execute("ANALYZE notes")
        plan = conn.execute(
            "EXPLAIN (FORMAT JSON) SELECT id, body FROM notes "
            "WHERE account_id = 5 AND deleted_at IS NULL"
        ).fetchone()
        assert plan is not None
        assert rec.name in json.dumps(plan[0])
        sizes = dict(
            conn.execute(
                "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)",
                ([rec.name, "notes_full_idx"],),
            ).fetchall()
        )
        assert sizes[rec.name] < sizes["notes_full_idx"]
        conn.execute(f'DROP INDEX notes_full_idx, "{rec.name}"')


def test_covering_index_gives_an_index_only_scan(db: Any, report: Report) -> None:
    covering = [r for r in on(report, "readings") if r.spec.include]
    assert covering, [r.spec.describe() for r in on(report, "readings")]
    rec = covering[0]
    assert rec.spec.key_texts == ("sensor",) and rec.spec.include == ("value",)
    assert any("all-visible" in note for note in rec.notes)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(rec.create_sql)
        conn.execute("VACUUM ANALYZE readings")
        plan = conn.execute(
            "EXPLAIN (FORMAT JSON) SELECT sum(value) FROM readings WHERE sensor = 3"
        ).fetchone()
        assert plan is not None
        text = json.dumps(plan[0])
        assert "Index Only Scan" in text and rec.name in text
        conn.execute(f'DROP INDEX "{rec.name}"')


def test_brin_for_the_append_only_timeline(db: Any, report: Report) -> None:
    """Under a size budget the B-tree does not fit; the BRIN on the ordered column does."""
    btree = [r for r in on(report, "readings") if r.spec.key_texts[:1] == ("at",)]
    assert btree and btree[0].estimated_size_bytes > 1_000_000
    tight = db.analyze(max_size_bytes=1_000_000)
    brin = [r for r in on(tight, "readings") if r.spec.method == "brin"]
    assert [r.spec.key_texts for r in brin] == [("at",)]
    assert brin[0].verified and brin[0].estimated_size_bytes < 100_000
    assert "USING brin (at)" in brin[0].create_sql
    assert all(e.cost_after is not None and e.cost_after < e.cost_before for e in brin[0].effects)


def test_jsonb_containment_gets_unverified_gin(report: Report) -> None:
    recs = on(report, "docs")
    assert len(recs) == 1
    rec = recs[0]
    assert rec.spec.method == "gin" and not rec.verified
    assert rec.spec.keys[0].opclass == "jsonb_path_ops"
    assert any("HypoPG" in n for n in rec.notes)
    assert all(e.cost_after is None for e in rec.effects)
    assert "USING gin (payload jsonb_path_ops)" in rec.create_sql


def test_gin_verified_on_a_copy(db: Any, make_db: Any) -> None:
    copy = make_db(SCHEMA.split("CREATE TABLE tenant_items")[0])
    report = db.analyze(verify_dsn=copy.dsn)
    rec = on(report, "docs")[0]
    assert rec.verified, rec.notes
    assert all(e.cost_after is not None and e.cost_after < e.cost_before for e in rec.effects)
    with psycopg.connect(copy.dsn) as conn:  # dropped again on the copy
        left = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'docs' AND indexname <> 'docs_pkey'"
        ).fetchone()
        assert left == (0,)


def test_rls_policy_column_leads_when_planning_as_the_role(db: Any, report: Report) -> None:
    as_app = db.analyze(role="advisor_app")
    recs = on(as_app, "tenant_items")
    assert recs, [s.reason for s in as_app.statements if "tenant_items" in s.statement.query]
    assert recs[0].spec.key_texts[:2] == ("tenant_id", "created_at")
