"""Live-catalog lint on a real database: a schema that breaks every rule exactly once, a clean
schema that breaks none, fixes that make the findings go away, silencing and the history hook.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from pglast import parse_sql
from psycopg.types.numeric import Int8

from advisor.errors import UsageError
from advisor.lint.config import LintConfig, Silence
from advisor.lint.live import lint, lint_connection
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rules import RULES

CONFIG = LintConfig(partition_threshold_bytes=64 * 1024)

BAD_SCHEMA = """
CREATE FUNCTION app_user() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT current_setting('app.user', true) $$;
CREATE TABLE bad_nokey (label text NOT NULL);
CREATE TABLE bad_counter (id serial PRIMARY KEY, note text NOT NULL);
SELECT setval('bad_counter_id_seq', 1600000000);
CREATE TABLE bad_small_key (id integer PRIMARY KEY, note text NOT NULL);
CREATE TABLE bad_payment (id bigint PRIMARY KEY, amount double precision NOT NULL,
                          currency text NOT NULL);
CREATE TABLE bad_invoice (id bigint PRIMARY KEY, total numeric NOT NULL, currency text NOT NULL);
CREATE TABLE bad_fee (id bigint PRIMARY KEY, fee numeric(12, 2) NOT NULL);
CREATE TABLE bad_event (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);
CREATE TABLE bad_person (id bigint PRIMARY KEY, full_name varchar(30) NOT NULL);
CREATE INDEX bad_person_name_idx ON bad_person (full_name);
CREATE INDEX bad_person_name_copy ON bad_person (full_name);
CREATE TABLE bad_country (id bigint PRIMARY KEY, code char(2) NOT NULL);
CREATE TABLE bad_parent (id bigint PRIMARY KEY);
CREATE TABLE bad_child (id bigint PRIMARY KEY,
                        parent_id bigint NOT NULL REFERENCES bad_parent ON DELETE CASCADE);
CREATE TABLE bad_owner (id bigint PRIMARY KEY);
CREATE TABLE bad_pet (id bigint PRIMARY KEY, owner_id bigint NOT NULL REFERENCES bad_owner);
CREATE INDEX bad_pet_owner_idx ON bad_pet (owner_id);
CREATE TABLE bad_coupon (id bigint PRIMARY KEY);
CREATE TABLE bad_order (id bigint PRIMARY KEY,
                        coupon_id bigint REFERENCES bad_coupon ON DELETE RESTRICT);
CREATE INDEX bad_order_coupon_idx ON bad_order (coupon_id);
CREATE TABLE bad_doc (id bigint PRIMARY KEY, owner text NOT NULL, deleted_at timestamptz);
CREATE TABLE bad_audit_log (id bigint PRIMARY KEY, entity_table text NOT NULL,
                            entity_id bigint NOT NULL, action text NOT NULL);
CREATE TABLE bad_ledger (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL);
CREATE TABLE bad_secret (id bigint PRIMARY KEY, body text NOT NULL);
ALTER TABLE bad_secret ENABLE ROW LEVEL SECURITY;
CREATE TABLE bad_note (id bigint PRIMARY KEY, owner text NOT NULL);
ALTER TABLE bad_note ENABLE ROW LEVEL SECURITY;
CREATE POLICY note_read ON bad_note FOR SELECT USING (owner = current_user);
CREATE TABLE bad_task (id bigint PRIMARY KEY, owner text NOT NULL);
ALTER TABLE bad_task ENABLE ROW LEVEL SECURITY;
CREATE POLICY task_owner ON bad_task USING (owner = app_user());
CREATE TABLE bad_file (id bigint PRIMARY KEY, owner text NOT NULL, shared boolean NOT NULL);
ALTER TABLE bad_file ENABLE ROW LEVEL SECURITY;
CREATE POLICY file_owner ON bad_file USING (owner = current_user);
CREATE POLICY file_shared ON bad_file FOR SELECT USING (shared);
CREATE TYPE bad_mood AS ENUM ('fine', 'meh');
CREATE TABLE bad_diary (id bigint PRIMARY KEY, mood bad_mood NOT NULL);
CREATE TABLE bad_signup (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
"""

# Loaded from a second session: on PostgreSQL 15 the table statistics of the very first session
# in a new database (the one make_db runs the schema in) do not reach pg_stat_user_tables.
BAD_DATA = (
    "INSERT INTO bad_ledger (note) SELECT repeat('x', 40) || g FROM generate_series(1, 3000) g"
)

BAD_WORKLOAD: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (
    ("DELETE FROM bad_owner WHERE id = %s", [(Int8(1),), (Int8(2),)]),
    ("SELECT id FROM bad_doc WHERE owner = %s AND deleted_at IS NULL", [("a",), ("b",)]),
    ("INSERT INTO bad_signup (email) VALUES (%s)", [("a@x.io",), ("b@x.io",)]),
)
# after the workload ran: a migration made a column NOT NULL that the INSERTs above leave out
BAD_AFTER = """
ALTER TABLE bad_signup ADD COLUMN plan text NOT NULL DEFAULT 'free';
ALTER TABLE bad_signup ALTER COLUMN plan DROP DEFAULT;
"""

# rule -> (table or, for types, the object; column)
EXPECTED = {
    "no-primary-key": ("bad_nokey", None),
    "int-sequence-exhaustion": ("bad_counter", "id"),
    "int-key": ("bad_small_key", "id"),
    "money-float-type": ("bad_payment", "amount"),
    "money-numeric-unbounded": ("bad_invoice", "total"),
    "money-without-currency": ("bad_fee", "fee"),
    "timestamp-without-time-zone": ("bad_event", "happened_at"),
    "varchar-too-short": ("bad_person", "full_name"),
    "char-type": ("bad_country", "code"),
    "fk-without-index": ("bad_child", "parent_id"),
    "fk-on-delete-undecided": ("bad_pet", None),
    "fk-nullable": ("bad_order", "coupon_id"),
    "soft-delete-without-partial-index": ("bad_doc", "deleted_at"),
    "audit-without-entity-index": ("bad_audit_log", None),
    "large-append-only-unpartitioned": ("bad_ledger", None),
    "rls-without-policy": ("bad_secret", None),
    "rls-commands-uncovered": ("bad_note", None),
    "rls-per-row-function": ("bad_task", None),
    "rls-permissive-overlap": ("bad_file", None),
    "enum-type": ("bad_mood", None),
    "insert-omits-not-null": ("bad_signup", "plan"),
    "index-review": ("bad_person", None),
}

CLEAN_SCHEMA = """
CREATE FUNCTION app_user() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT current_setting('app.user', true) $$;
CREATE TABLE customer (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name text NOT NULL,
    email varchar(254) NOT NULL,
    country_code text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX customer_email_live_key ON customer (email) WHERE deleted_at IS NULL;
CREATE TABLE coupon (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text NOT NULL);
CREATE TABLE invoice (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customer ON DELETE RESTRICT,
    coupon_id bigint REFERENCES coupon ON DELETE SET NULL,
    referrer_id bigint REFERENCES customer ON DELETE RESTRICT,
    total numeric(19, 4) NOT NULL,
    vat_rate numeric(5, 4) NOT NULL DEFAULT 0.2,
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    issued_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN invoice.referrer_id IS 'null when the customer came without a referral';
CREATE INDEX invoice_customer_id_idx ON invoice (customer_id);
CREATE INDEX invoice_coupon_id_idx ON invoice (coupon_id);
CREATE INDEX invoice_referrer_id_idx ON invoice (referrer_id);
CREATE TABLE invoice_line (
    invoice_id bigint NOT NULL REFERENCES invoice ON DELETE CASCADE,
    line_no integer NOT NULL,
    amount numeric(19, 4) NOT NULL,
    currency text NOT NULL,
    PRIMARY KEY (invoice_id, line_no)
);
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_table text NOT NULL,
    entity_id bigint NOT NULL,
    action text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_table, entity_id);
CREATE TABLE event (
    id bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL,
    payload text NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE event_2025 PARTITION OF event
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE doc (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, owner text NOT NULL,
                  body text NOT NULL);
ALTER TABLE doc ENABLE ROW LEVEL SECURITY;
CREATE POLICY doc_owner ON doc
    USING (owner = (SELECT app_user())) WITH CHECK (owner = (SELECT app_user()));
"""

CLEAN_DATA = """
INSERT INTO event (created_at, payload)
SELECT timestamptz '2025-03-01' + g * interval '1 minute', repeat('p', 40)
  FROM generate_series(1, 3000) g
"""

CLEAN_WORKLOAD: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (
    ("SELECT id FROM customer WHERE email = %s AND deleted_at IS NULL", [("a@x.io",)]),
    (
        "INSERT INTO invoice (customer_id, total, currency) SELECT id, %s, %s FROM customer"
        " WHERE email = %s",
        [(10, "EUR", "nobody@x.io")],
    ),
    ("DELETE FROM customer WHERE id = %s", [(Int8(-1),)]),
    ("DELETE FROM invoice WHERE id = %s", [(Int8(-1),)]),
    (
        "INSERT INTO audit_log (entity_table, entity_id, action) VALUES (%s, %s, %s)",
        [("invoice", Int8(1), "insert")],
    ),
)


def wait_for_insert_stats(db: Any, table: str) -> None:
    """Table statistics reach shared memory when the writing backend ends; wait for them."""
    for _ in range(100):
        rows = db.execute("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = %s", [table])
        if rows and rows[0][0] > 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"no insert statistics for {table}")


def make_bad(make_db: Any) -> Any:
    db = make_db(BAD_SCHEMA, hypopg=False)
    db.execute(BAD_DATA)
    for statement, params in BAD_WORKLOAD:
        db.run(statement, params)
    db.execute(BAD_AFTER)
    wait_for_insert_stats(db, "bad_ledger")
    return db


@pytest.fixture(scope="module")
def bad(make_db: Any) -> Any:
    return make_bad(make_db)


@pytest.fixture(scope="module")
def clean(make_db: Any) -> Any:
    db = make_db(CLEAN_SCHEMA, hypopg=False)
    db.execute(CLEAN_DATA)
    for statement, params in CLEAN_WORKLOAD:
        db.run(statement, params)
    wait_for_insert_stats(db, "event_2025")
    return db


def where(f: LintFinding) -> tuple[str | None, str | None]:
    return (f.table or f.object, f.column)


def test_bad_schema_breaks_every_rule_exactly_once(bad: Any) -> None:
    report = lint(bad.dsn, CONFIG)
    counts = Counter(f.rule for f in report.findings)
    assert set(counts) == {r.id for r in RULES}, "every rule fires"
    assert all(n == 1 for n in counts.values()), counts
    assert {f.rule: where(f) for f in report.findings} == EXPECTED
    assert report.database == bad.name and report.notes == ()
    assert all(f.schema == "public" for f in report.findings)


def test_clean_schema_breaks_none(clean: Any) -> None:
    report = lint(clean.dsn, CONFIG)
    assert report.findings == (), [(f.rule, f.location, f.detail) for f in report.findings]


def test_findings_name_evidence_and_objects(bad: Any) -> None:
    found = {f.rule: f for f in lint(bad.dsn, CONFIG).findings}
    assert found["fk-without-index"].object == "bad_child_parent_id_fkey"
    assert found["int-sequence-exhaustion"].object == "bad_counter_id_seq"
    assert "74.5%" in found["int-sequence-exhaustion"].detail
    assert found["rls-per-row-function"].object == "task_owner"
    assert "app_user()" in found["rls-per-row-function"].detail
    assert found["rls-permissive-overlap"].evidence == ("file_owner", "file_shared")
    assert "UPDATE, DELETE" in found["rls-commands-uncovered"].detail
    assert "fine, meh" in found["enum-type"].detail
    assert "public.bad_diary.mood" in found["enum-type"].detail
    assert found["fk-on-delete-undecided"].evidence == ("DELETE FROM bad_owner WHERE id = $1",)
    assert found["insert-omits-not-null"].evidence == (
        "INSERT INTO bad_signup (email) VALUES ($1)",
    )
    assert found["money-float-type"].severity is Severity.ERROR
    assert found["fk-nullable"].severity is Severity.INFO


def run_script(dsn: str, script: str) -> None:
    """Run a fix statement by statement (CREATE INDEX CONCURRENTLY refuses a transaction)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for raw in parse_sql(script):
            conn.execute(script[raw.stmt_location : raw.stmt_location + raw.stmt_len])


def test_each_fix_makes_its_finding_go_away_and_its_rollback_brings_it_back(
    make_db: Any,
) -> None:
    db = make_bad(make_db)
    before = lint(db.dsn, CONFIG).findings
    fixable = {f.rule for f in before if f.fix_sql}
    assert fixable == {
        "no-primary-key",
        "int-sequence-exhaustion",
        "money-float-type",
        "money-numeric-unbounded",
        "money-without-currency",
        "timestamp-without-time-zone",
        "varchar-too-short",
        "char-type",
        "fk-without-index",
        "fk-on-delete-undecided",
        "fk-nullable",
        "soft-delete-without-partial-index",
        "audit-without-entity-index",
        "rls-per-row-function",
        "index-review",
    }
    for finding in before:
        if finding.fix_sql:
            run_script(db.dsn, finding.fix_sql)
    after = {f.rule for f in lint(db.dsn, CONFIG).findings}
    assert after == {r.id for r in RULES} - fixable
    # what the server shows after the fixes
    assert db.execute(
        "SELECT confdeltype, convalidated FROM pg_constraint"
        " WHERE conname = 'bad_pet_owner_id_fkey'"
    ) == [("r", True)]
    assert db.execute(
        "SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polname = 'task_owner'"
    ) == [("(owner = ( SELECT app_user() AS app_user))",)]
    assert db.execute(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'bad_doc'::regclass"
        " AND indpred IS NOT NULL"
    ) == [
        (
            "CREATE INDEX bad_doc_owner_idx ON public.bad_doc USING btree (owner) "
            "WHERE (deleted_at IS NULL)",
        )
    ]
    reversible = {f.rule for f in before if f.rollback_sql}
    assert reversible == fixable - {
        "int-sequence-exhaustion",
        "money-float-type",
        "money-numeric-unbounded",
        "char-type",
    }
    for finding in reversed(before):
        if finding.rollback_sql:
            run_script(db.dsn, finding.rollback_sql)
    back = {f.rule for f in lint(db.dsn, CONFIG).findings}
    assert back == after | reversible


def test_disable_ignore_and_comments_silence(bad: Any, make_db: Any) -> None:
    config = replace(
        CONFIG,
        disable=frozenset({"enum-type", "char-type"}),
        ignore=(Silence("fk-nullable", "public.bad_order.coupon_*"), Silence("*", "*.bad_rls*")),
    )
    rules = {f.rule for f in lint(bad.dsn, config).findings}
    assert rules == {r.id for r in RULES} - {"enum-type", "char-type", "fk-nullable"}
    db = make_bad(make_db)
    db.execute(
        "COMMENT ON TABLE bad_nokey IS 'legacy import; advisor:ignore no-primary-key';"
        "COMMENT ON COLUMN bad_event.happened_at IS "
        "'local shop time advisor:ignore timestamp-without-time-zone';"
        "COMMENT ON POLICY task_owner ON bad_task IS 'advisor:ignore rls-per-row-function';"
        "COMMENT ON TYPE bad_mood IS 'closed set. advisor:ignore enum-type';"
        "COMMENT ON CONSTRAINT bad_child_parent_id_fkey ON bad_child IS "
        "'advisor:ignore fk-without-index';"
        "COMMENT ON COLUMN bad_order.coupon_id IS 'coupons are optional'"
    )
    report = lint(db.dsn, CONFIG)
    assert {f.rule for f in report.findings} == {r.id for r in RULES} - {
        "no-primary-key",
        "timestamp-without-time-zone",
        "rls-per-row-function",
        "enum-type",
        "fk-without-index",
        "fk-nullable",
    }
    assert report.silenced == 5  # fk-nullable is not silenced: the comment is its reason


def test_unknown_rule_id_is_a_usage_error(bad: Any) -> None:
    with pytest.raises(UsageError, match="unknown rule id"):
        lint(bad.dsn, replace(CONFIG, disable=frozenset({"no-such-rule"})))


def test_thresholds_change_what_is_flagged(bad: Any) -> None:
    strict = replace(
        CONFIG, sequence_threshold=0.8, partition_threshold_bytes=1024**3, name_min_length=20
    )
    rules = {f.rule for f in lint(bad.dsn, strict).findings}
    assert (
        not {"int-sequence-exhaustion", "large-append-only-unpartitioned", "varchar-too-short"}
        & rules
    )


class FakeHistory:
    """A history store with two observations of one sequence, a day apart."""

    def __init__(self, points: list[tuple[datetime, int]]) -> None:
        self.points = points

    def sequence_points(self, schema: str, name: str) -> list[tuple[datetime, int]]:
        return self.points if (schema, name) == ("public", "bad_counter_id_seq") else []


def test_sequence_estimate_uses_the_history_hook(bad: Any) -> None:
    now = datetime(2026, 1, 1)
    history = FakeHistory([(now - timedelta(days=1), 1_500_000_000), (now, 1_600_000_000)])
    with psycopg.connect(bad.dsn, autocommit=True) as conn:
        report = lint_connection(conn, CONFIG, history=history)
    (finding,) = [f for f in report.findings if f.rule == "int-sequence-exhaustion"]
    # 547,483,647 left at 100,000,000 a day: 5.47 days after the last point
    assert "runs out on 2026-01-06" in finding.detail


def test_without_pg_stat_statements_workload_rules_say_why(make_db: Any) -> None:
    db = make_db("CREATE TABLE t (id bigint PRIMARY KEY, deleted_at timestamptz)", hypopg=False)
    db.execute("DROP EXTENSION pg_stat_statements")
    report = lint(db.dsn, CONFIG)
    assert report.findings == ()
    assert report.notes == (
        "pg_stat_statements is not created in this database: workload rules skipped",
    )


def test_partitioned_table_gets_no_concurrent_index_fix(make_db: Any) -> None:
    db = make_db(
        "CREATE TABLE p (id bigint PRIMARY KEY);"
        "CREATE TABLE c (id bigint, p_id bigint NOT NULL REFERENCES p ON DELETE CASCADE,"
        " PRIMARY KEY (id, p_id)) PARTITION BY HASH (id);"
        "CREATE TABLE c0 PARTITION OF c FOR VALUES WITH (MODULUS 1, REMAINDER 0);",
        hypopg=False,
    )
    report = lint(db.dsn, replace(CONFIG, disable=frozenset({"enum-type"})))
    (finding,) = report.findings
    assert (finding.rule, finding.table, finding.fix_sql) == ("fk-without-index", "c", None)
    assert "partitioned" in finding.detail
