"""``advisor table NAME`` on a real server: a quoted mixed-case table, its statements and
advice, locks and waiting sessions, an exclusive lock, "did you mean" for an unknown name."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import typer
from psycopg import sql
from psycopg.types.numeric import Int8
from typer.testing import CliRunner

from advisor.cli import app
from advisor.errors import UsageError
from advisor.settings import Settings
from advisor.table_view.build import inspect_table
from advisor.table_view.name import TableNotFound, split_name
from tests.markdown_tables import tables

SCHEMA = """
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."UserAccounts" (
    "AccountId" bigint PRIMARY KEY,
    "EmailAddr" text NOT NULL,
    "Region" text NOT NULL,
    note text
);
INSERT INTO "Sales"."UserAccounts"
SELECT g, 'acct' || g || '@example.org', (ARRAY['eu', 'us', 'ap'])[1 + g % 3], 'n' || g
  FROM generate_series(1, 30000) g;
CREATE INDEX "UserAccounts_Region_idx" ON "Sales"."UserAccounts" ("Region");
CREATE INDEX ua_region_copy ON "Sales"."UserAccounts" ("Region");
CREATE TABLE useraccounts_archive (id bigint PRIMARY KEY, note text);
INSERT INTO useraccounts_archive SELECT g, 'a' FROM generate_series(1, 100) g;
"""
BY_EMAIL = 'SELECT "AccountId" FROM "Sales"."UserAccounts" WHERE "EmailAddr" = %s'
BY_ID = 'SELECT note FROM "Sales"."UserAccounts" WHERE "AccountId" = %s'
UNQUALIFIED = 'UPDATE "UserAccounts" SET note = %s WHERE "AccountId" = %s'  # via search_path
OTHER = "SELECT note FROM useraccounts_archive WHERE id = %s"
SHADOW = 'WITH "UserAccounts" AS (SELECT 1 AS x) SELECT x FROM "UserAccounts" WHERE x = %s'
QUOTED = '"Sales"."UserAccounts"'


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    database.execute(
        sql.SQL('ALTER DATABASE {} SET search_path = public, "Sales"').format(
            sql.Identifier(database.name)
        )
    )
    database.run(BY_EMAIL, [(f"acct{i * 7}@example.org",) for i in range(1, 21)])
    database.run(BY_ID, [(Int8(i),) for i in range(1, 11)])
    database.run(UNQUALIFIED, [("x", Int8(i)) for i in range(1, 6)])
    database.run(OTHER, [(Int8(i),) for i in range(1, 4)])
    database.run(SHADOW, [(1,)])
    return database


def test_quoted_mixed_case_table_with_statements_and_advice(db: Any) -> None:
    view = inspect_table(db.dsn, QUOTED, advice=Settings(), min_stats_age_s=0)
    assert (view.ref.schema, view.ref.name) == ("Sales", "UserAccounts")
    assert view.sizes.exact and view.sizes.heap_bytes > 1_000_000
    assert view.sizes.index_bytes == sum(i.index.size_bytes for i in view.indexes)
    assert view.stats.reltuples == 30000 and view.stats.updated == 5
    assert view.stats.index_scans >= 15  # by id, and the updates' lookups
    texts = {t.statement.query for t in view.statements}
    assert texts == {
        BY_EMAIL.replace("%s", "$1"),
        BY_ID.replace("%s", "$1"),
        'UPDATE "UserAccounts" SET note = $1 WHERE "AccountId" = $2',
    }
    assert not any("useraccounts_archive" in q or q.startswith("WITH") for q in texts)
    email = next(t for t in view.statements if "EmailAddr" in t.statement.query)
    assert email.statement.calls == 20 and email.advice
    rec = next(r for r in view.recommendations if r.name in email.advice)
    assert rec.spec.key_texts == ("EmailAddr",)
    assert 'ON "Sales"."UserAccounts"' in rec.create_sql
    by_id = next(t for t in view.statements if t.statement.query.startswith("SELECT note"))
    assert not by_id.advice and "UserAccounts_pkey" in (by_id.reason or "")
    findings = {i.index.name: i.findings for i in view.indexes}
    assert findings["UserAccounts_pkey"] == ()
    assert any(f.startswith("unused") for f in findings["UserAccounts_Region_idx"])
    assert any(f.startswith("duplicate") for f in findings["ua_region_copy"])
    assert view.locks == ()


def test_same_table_by_search_path_and_without_advice(db: Any) -> None:
    view = inspect_table(db.dsn, '"UserAccounts"')  # unqualified, quoted: the search_path
    assert view.ref.schema == "Sales" and view.recommendations == ()
    assert view.advice_note and all(t.reason is None for t in view.statements)
    assert len(view.statements) == 3


def test_a_name_that_matches_nothing_says_did_you_mean(db: Any) -> None:
    with pytest.raises(TableNotFound) as caught:
        inspect_table(db.dsn, "UserAccounts")  # unquoted: folds to useraccounts
    assert caught.value.hint is not None
    assert QUOTED in caught.value.hint and "useraccounts_archive" in caught.value.hint
    assert caught.value.exit_code != 0


@pytest.fixture
def share_lock(db: Any) -> Iterator[tuple[int, int]]:
    """A session holding a SHARE lock, and one waiting behind it to update the table."""
    holder = psycopg.connect(db.dsn)
    holder.execute(f"LOCK TABLE {QUOTED} IN SHARE MODE")
    holder_pid = holder.info.backend_pid
    waiter = psycopg.connect(db.dsn, autocommit=True)
    waiter_pid = waiter.info.backend_pid
    waiter.execute("SET lock_timeout = '30s'")
    done = threading.Thread(
        target=lambda: waiter.execute(
            f'UPDATE {QUOTED} SET note = %s WHERE "AccountId" = 1', ("w",)
        )
    )
    done.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = db.execute("SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted", (waiter_pid,))
        if rows:
            break
        time.sleep(0.05)
    try:
        yield holder_pid, waiter_pid
    finally:
        holder.rollback()
        done.join(timeout=30)
        holder.close()
        waiter.close()


def test_locks_and_waiting_sessions(db: Any, share_lock: tuple[int, int]) -> None:
    holder_pid, waiter_pid = share_lock
    view = inspect_table(db.dsn, QUOTED)
    held = [lock for lock in view.locks if lock.pid == holder_pid]
    waiting = [lock for lock in view.locks if lock.pid == waiter_pid and not lock.granted]
    assert held and held[0].mode == "ShareLock" and held[0].granted
    assert waiting and waiting[0].mode == "RowExclusiveLock"
    assert waiting[0].blocked_by == (holder_pid,)
    assert "UPDATE" in (waiting[0].query or "")
    assert view.sizes.exact  # SHARE does not block reading sizes


def test_exclusive_lock_still_shows_the_table(db: Any) -> None:
    with psycopg.connect(db.dsn) as holder:
        holder.execute(f"LOCK TABLE {QUOTED} IN ACCESS EXCLUSIVE MODE")
        view = inspect_table(db.dsn, QUOTED, advice=Settings(),
                             lock_timeout_ms=200)  # fmt: skip
        holder.rollback()
    assert not view.sizes.exact and view.sizes.heap_bytes > 0
    assert any("estimates" in n for n in view.notes)
    assert any(lock.mode == "AccessExclusiveLock" and lock.granted for lock in view.locks)
    assert view.advice_note and view.advice_note.startswith("not computed")


def test_without_pg_stat_statements_the_facts_still_stand(make_db: Any) -> None:
    bare = make_db(SCHEMA)
    bare.execute("DROP EXTENSION pg_stat_statements")
    view = inspect_table(bare.dsn, QUOTED, advice=Settings())
    assert view.statements == () and view.sizes.exact and len(view.indexes) == 3
    assert any("CREATE EXTENSION pg_stat_statements" in n for n in view.notes)
    assert view.advice_note and view.advice_note.startswith("not computed")


def _app() -> typer.Typer:
    return app


def test_table_command_formats_and_exit_codes(db: Any) -> None:
    runner = CliRunner()
    text = runner.invoke(_app(), ["table", QUOTED, "--dsn", db.dsn, "--no-advice"])
    assert text.exit_code == 0, text.output
    assert text.output.startswith('"Sales"."UserAccounts" (table)')
    for section in ("Indexes", "Workload statements", "Locks", "Recommendations"):
        assert section in text.output
    doc = json.loads(runner.invoke(_app(), ["table", QUOTED, "--dsn", db.dsn, "-f", "json"]).output)
    assert (doc["schema"], doc["table"]) == ("Sales", "UserAccounts")
    assert doc["recommendations"][0]["columns"] == ["EmailAddr"]
    assert {i["name"] for i in doc["indexes"]} >= {"UserAccounts_pkey", "ua_region_copy"}
    missing = runner.invoke(_app(), ["table", "sales.accounts", "--dsn", db.dsn])
    assert missing.exit_code == 2
    assert missing.output.startswith("advisor: error: no table sales.accounts")
    assert "did you mean" in missing.output and len(missing.output.strip().splitlines()) == 1


def test_columns_with_their_statistics_and_leading_indexes(db: Any) -> None:
    """Each column's type, nullability, pg_stats figures, and the indexes it leads."""
    view = inspect_table(db.dsn, QUOTED)
    columns = {c.name: c for c in view.columns}
    assert [c.name for c in view.columns] == ["AccountId", "EmailAddr", "Region", "note"]
    account, region, note = columns["AccountId"], columns["Region"], columns["note"]
    assert (account.type, account.not_null) == ("bigint", True)
    assert (note.type, note.not_null) == ("text", False)
    assert account.n_distinct == -1 and account.distinct_estimate(view.stats.reltuples) == 30000
    assert region.n_distinct == 3 and region.null_frac == 0
    assert account.correlation == pytest.approx(1.0)
    assert account.leads == ("UserAccounts_pkey",)
    assert set(region.leads) == {"UserAccounts_Region_idx", "ua_region_copy"}
    assert columns["EmailAddr"].leads == ()

    args = ["table", QUOTED, "--dsn", db.dsn, "-f", "json", "--no-advice"]
    doc = json.loads(CliRunner().invoke(_app(), args).output)
    by_name = {c["name"]: c for c in doc["columns"]}
    assert by_name["Region"]["n_distinct"] == 3 and by_name["Region"]["distinct_estimate"] == 3
    assert by_name["AccountId"]["leading_indexes"] == ["UserAccounts_pkey"]
    assert {"type", "not_null", "null_frac", "correlation", "avg_width"} <= by_name["note"].keys()


@pytest.mark.parametrize("columns", [80, 100, 140])
def test_table_text_fits_the_width(db: Any, columns: int) -> None:
    out = CliRunner().invoke(
        _app(), ["table", QUOTED, "--dsn", db.dsn], env={"COLUMNS": str(columns)}
    )
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert max(len(line) for line in lines) <= columns, max(lines, key=len)
    assert "Columns" in lines and "EmailAddr" in out.output
    statements = lines.index("Workload statements")
    assert lines[statements + 2].split() == ["queryid", "calls", "total", "mean", "statement",
                                             "advice"]  # fmt: skip


def test_table_markdown_tables_parse(db: Any) -> None:
    out = CliRunner().invoke(_app(), ["table", QUOTED, "--dsn", db.dsn, "-f", "markdown"])
    assert out.exit_code == 0, out.output
    found = tables(out.output)
    headers = [t[0] for t in found]
    assert ["fact", "value"] in headers
    assert headers[1][:3] == ["column", "type", "nullable"]
    assert any(h[:2] == ["queryid", "calls"] for h in headers)
    facts = dict((row[0], row[1]) for row in found[0][1:])
    assert set(facts) == {"size", "rows", "vacuum", "analyze", "scans", "writes", "counters since"}
    assert "planner estimate 30,000" in facts["rows"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("orders", (None, "orders")),
        ("Billing.Invoices", ("billing", "invoices")),
        ('"Sales"."UserAccounts"', ("Sales", "UserAccounts")),
        ('"Sales".UserAccounts', ("Sales", "useraccounts")),
        ('"we""ird"."a.b"', ('we"ird', "a.b")),
        ('  public."T"  ', ("public", "T")),
    ],
)
def test_split_name(text: str, expected: tuple[str | None, str]) -> None:
    assert split_name(text) == expected


@pytest.mark.parametrize("text", ['"open', "a.b.c.d", "a..b", "a.", ""])
def test_split_name_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        split_name(text)
