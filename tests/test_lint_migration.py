"""Migration linting: the corpus of safe and unsafe files, line numbers and fixes, the weight a
DSN adds (table size, rows, lock), fixes that run on a real server, and up/down pairs."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pglast import parse_sql

from advisor.errors import UsageError
from advisor.lint.config import LintConfig
from advisor.lint.migration.checks import CHECKS
from advisor.lint.migration.run import lint
from advisor.lint.model import LintFinding, Severity

CORPUS = Path(__file__).parent / "lint_corpus"
CORPUS_FILES = sorted((CORPUS / "unsafe").glob("*.sql")) + sorted((CORPUS / "safe").glob("*.sql"))
CONFIG = LintConfig(small_table_bytes=64 * 1024, max_blocking_bytes=1024 * 1024)

SCHEMA = """
CREATE TYPE account_kind AS ENUM ('person', 'company');
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(20),
    name text CHECK (name IS NOT NULL),
    kind account_kind NOT NULL DEFAULT 'person',
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    legacy_flag boolean,
    nickname text
);
INSERT INTO accounts (email, name)
SELECT 'a' || g || '@x.io', 'n' || g FROM generate_series(1, 10) g;
CREATE TABLE ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id integer NOT NULL,
    amount numeric(12, 2) NOT NULL CONSTRAINT ledger_amount_check CHECK (amount <> 0),
    booked_at timestamptz NOT NULL DEFAULT now(),
    memo text
);
INSERT INTO ledger (account_id, amount, memo)
SELECT 1 + g % 10, g, repeat('m', 20) FROM generate_series(1, 20000) g;
CREATE INDEX ledger_booked_idx ON ledger (booked_at);
CREATE TABLE empty_things (id bigint PRIMARY KEY);
CREATE FUNCTION make_token() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT md5(random()::text) $$;
CREATE FUNCTION fixed_label() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'x' $$;
"""


def expected(path: Path) -> set[str]:
    header = path.read_text().splitlines()[0]
    match = re.fullmatch(r"-- expect: (.+)", header)
    assert match, f"{path.name}: first line must be '-- expect: ...'"
    text = match.group(1).strip()
    return set() if text == "nothing" else {r.strip() for r in text.split(",")}


def write(tmp_path: Path, text: str, name: str = "m.sql") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def by_rule(findings: tuple[LintFinding, ...], rule: str) -> list[LintFinding]:
    return [f for f in findings if f.rule == rule]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_without_dsn(path: Path) -> None:
    report = lint([path], LintConfig())
    assert {f.rule for f in report.findings} == expected(path)
    assert all(f.file == str(path) and f.line for f in report.findings)


def test_the_corpus_exercises_every_check() -> None:
    unsafe = [*(CORPUS / "unsafe").glob("*.sql"), *(CORPUS / "squawk").glob("*/unsafe.sql")]
    covered = set().union(*(expected(p) for p in unsafe))
    assert covered == {c.id for c in CHECKS}


def test_lines_locks_and_fixes_point_at_the_statement() -> None:
    report = lint([CORPUS / "unsafe" / "everything.sql"], LintConfig())
    timeouts = {f.line for f in report.findings if f.rule == "missing-statement-timeout"}
    assert timeouts == {3}  # the first statement that scans under a blocking lock
    rerun = {f.line for f in report.findings if f.rule == "not-rerunnable"}
    assert rerun == {2, 3, 4}  # each followed by a statement that can fail, in autocommit
    lines = {
        f.rule: f.line
        for f in report.findings
        if f.rule not in ("not-rerunnable", "missing-statement-timeout")
    }
    assert lines == {
        "missing-lock-timeout": 2,
        "drop-column": 2,
        "create-index-not-concurrently": 3,
        "add-check-validates": 4,
        "rename": 5,
    }
    locks = {f.rule: f.lock for f in report.findings}
    assert locks["create-index-not-concurrently"] == "SHARE"
    assert locks["drop-column"] == "ACCESS EXCLUSIVE"
    fixes = {f.rule: f.fix_sql for f in report.findings if f.fix_sql}
    assert "CREATE INDEX CONCURRENTLY ON ledger" in fixes["create-index-not-concurrently"]
    assert "NOT VALID" in fixes["add-check-validates"]
    assert "VALIDATE CONSTRAINT ledger_amount_check" in fixes["add-check-validates"]
    for text in fixes.values():
        parse_sql(text)  # every fix is SQL the real parser accepts


def test_parse_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "SELECT 1;\n\nALTER TABLE x ADD COLUMN;\n")
    with pytest.raises(UsageError, match=r"m\.sql:3: cannot parse"):
        lint([path], LintConfig())


def test_disable_and_ignore_patterns(tmp_path: Path) -> None:
    path = CORPUS / "unsafe" / "everything.sql"
    config = replace(LintConfig(), disable=frozenset({"rename"}))
    assert "rename" not in {f.rule for f in lint([path], config).findings}
    from advisor.lint.config import Silence

    config = replace(LintConfig(), ignore=(Silence("*", f"{path}:2"),))
    report = lint([path], config)
    # line 2: drop-column, missing-lock-timeout and not-rerunnable
    assert {f.line for f in report.findings} == {3, 4, 5} and report.silenced == 3


# --- pairs of up and down migrations ------------------------------------------------------


def test_complete_down_migration_passes() -> None:
    report = lint([CORPUS / "pairs" / "001_add_invoices.up.sql"], LintConfig())
    assert {f.rule for f in report.findings} == {"rename"}  # the rename itself, not the pair


def test_partial_down_migration_lists_what_it_does_not_undo() -> None:
    report = lint([CORPUS / "pairs" / "002_partial_down.up.sql"], LintConfig())
    undone = {(f.line, f.column or f.object) for f in by_rule(report.findings, "down-incomplete")}
    assert undone == {(2, "status"), (4, "accounts_status_idx"), (5, "account_kind")}


def test_missing_down_migration() -> None:
    report = lint([CORPUS / "pairs" / "003_no_down.up.sql"], LintConfig())
    (finding,) = report.findings
    assert (finding.rule, finding.line) == ("down-missing", 1)
    assert "003_no_down.down.sql" in finding.detail


def test_explicit_down_file_and_count_mismatch(tmp_path: Path) -> None:
    up = write(tmp_path, "SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN c int;\n", "up.sql")
    down = write(tmp_path, "SET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN c;\n", "d.sql")
    assert lint([up], LintConfig(), downs=[down]).findings == ()
    empty = write(tmp_path, "-- nothing\n", "empty.sql")
    (finding,) = lint([up], LintConfig(), downs=[empty]).findings
    assert finding.rule == "down-missing"
    with pytest.raises(UsageError, match="--down"):
        lint([up, up], LintConfig(), downs=[down])


# --- with a DSN: table size, rows and lock --------------------------------------------------


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA, hypopg=False)
    database.execute("VACUUM ANALYZE")
    return database


def test_dsn_weighs_findings_by_table_size(db: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            "SET lock_timeout = '2s';\n"
            "CREATE INDEX accounts_email_idx ON accounts (email);\n"
            "CREATE INDEX ledger_account_idx ON ledger (account_id);\n"
            "CREATE INDEX later_idx ON not_yet_there (x);\n"
        ),
    )
    report = lint([path], CONFIG, dsn=db.dsn, use_database=True)
    found = {f.table: f for f in by_rule(report.findings, "create-index-not-concurrently")}
    ((ledger_bytes, ledger_rows),) = db.execute(
        "SELECT pg_table_size('ledger'), reltuples FROM pg_class WHERE relname = 'ledger'"
    )
    assert ledger_bytes > CONFIG.max_blocking_bytes
    big = found["ledger"]
    assert (big.severity, big.lock, big.schema) == (Severity.ERROR, "SHARE", "public")
    assert big.table_size_bytes == ledger_bytes and big.table_rows == round(ledger_rows) == 20000
    small = found["accounts"]
    assert small.severity is Severity.INFO and small.table_size_bytes < CONFIG.small_table_bytes
    new = found["not_yet_there"]
    assert new.severity is Severity.INFO and "not in the database yet" in new.detail
    middle = replace(CONFIG, max_blocking_bytes=ledger_bytes * 2)
    report = lint([path], middle, dsn=db.dsn, use_database=True)
    builds = by_rule(report.findings, "create-index-not-concurrently")
    assert {f.table: f.severity for f in builds}["ledger"] is Severity.WARNING
    assert report.database == db.name


def test_dsn_knows_a_partitioned_table_refuses_concurrently(db: Any, tmp_path: Path) -> None:
    db.execute(
        "CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);"
        " CREATE TABLE events_2024 PARTITION OF events"
        " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    )
    try:
        path = write(
            tmp_path,
            "SET lock_timeout = '2s';\n"
            "CREATE INDEX events_id_idx ON events (id);\n"
            "CREATE INDEX IF NOT EXISTS events_at_idx ON ONLY events (at);\n",
        )
        report = lint([path], CONFIG, dsn=db.dsn, use_database=True)
    finally:
        db.execute("DROP TABLE events")
    (plain,) = by_rule(report.findings, "create-index-not-concurrently")
    assert plain.line == 2 and "partitioned table refuses" in plain.detail
    assert plain.fix_sql is None  # CONCURRENTLY would be refused: no one-statement fix


def test_dsn_passes_type_changes_that_do_not_rewrite(db: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            "SET lock_timeout = '2s';\n"
            "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(254);\n"
            "ALTER TABLE accounts ALTER COLUMN email TYPE text;\n"
            "ALTER TABLE accounts ALTER COLUMN balance TYPE numeric(16, 2);\n"
            "ALTER TABLE accounts ALTER COLUMN balance TYPE numeric(16, 4);\n"
            "ALTER TABLE ledger ALTER COLUMN account_id TYPE bigint;\n"
        ),
    )
    without = lint([path], CONFIG)
    # no DSN: the old type of email and balance is unknown at first, then known from line 2 and 4
    assert {(f.line, f.severity) for f in by_rule(without.findings, "type-change-rewrite")} == {
        (2, Severity.INFO),
        (4, Severity.INFO),
        (5, Severity.WARNING),
        (6, Severity.WARNING),
    }
    report = lint([path], CONFIG, dsn=db.dsn, use_database=True)
    flagged = {(f.line, f.severity) for f in by_rule(report.findings, "type-change-rewrite")}
    assert flagged == {(5, Severity.INFO), (6, Severity.ERROR)}


def test_dsn_not_null_column_on_empty_table_is_a_note(db: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            "SET lock_timeout = '2s';\n"
            "ALTER TABLE empty_things ADD COLUMN label text NOT NULL;\n"
            "ALTER TABLE accounts ADD COLUMN label text NOT NULL;\n"
        ),
    )
    report = lint([path], CONFIG, dsn=db.dsn, use_database=True)
    assert {f.table: f.severity for f in report.findings} == {
        "empty_things": Severity.INFO,
        "accounts": Severity.ERROR,
    }


def test_dsn_set_not_null_behind_a_validated_check_in_the_database(db: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            "SET lock_timeout = '2s';\n"
            "ALTER TABLE accounts ALTER COLUMN name SET NOT NULL;\n"
            "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n"
        ),
    )
    scans = by_rule(lint([path], CONFIG).findings, "set-not-null-scan")
    assert {f.column for f in scans} == {"name", "email"}
    report = lint([path], CONFIG, dsn=db.dsn, use_database=True)
    assert {f.column for f in by_rule(report.findings, "set-not-null-scan")} == {"email"}


def test_dsn_asks_the_server_which_defaults_are_volatile(db: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            "SET lock_timeout = '2s';\n"
            "ALTER TABLE ledger ADD COLUMN IF NOT EXISTS token text DEFAULT make_token();\n"
            "ALTER TABLE ledger ADD COLUMN IF NOT EXISTS label text DEFAULT fixed_label();\n"
        ),
    )
    assert lint([path], CONFIG).findings == ()  # unknown functions: not guessed volatile
    report = lint([path], CONFIG, dsn=db.dsn, use_database=True)
    (finding,) = by_rule(report.findings, "volatile-default")
    assert (finding.rule, finding.column, finding.severity) == (
        "volatile-default",
        "token",
        Severity.ERROR,
    )
    assert "ADD COLUMN token text;" in (finding.fix_sql or "")


def test_dsn_drop_index_is_attributed_to_its_table(db: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "DROP INDEX ledger_booked_idx;\n")
    report = lint([path], CONFIG, dsn=db.dsn, use_database=True)
    assert {(f.rule, f.table, f.lock) for f in report.findings} == {
        ("missing-lock-timeout", "ledger", "ACCESS EXCLUSIVE"),
        ("drop-index-not-concurrently", "ledger", "ACCESS EXCLUSIVE"),
    }


def test_fixes_run_on_the_server_and_leave_valid_objects(make_db: Any, tmp_path: Path) -> None:
    target = make_db(SCHEMA, hypopg=False)
    path = write(
        tmp_path,
        (
            "SET lock_timeout = '2s';\n"
            "CREATE INDEX ledger_account_idx ON ledger (account_id);\n"
            "ALTER TABLE ledger ADD CONSTRAINT ledger_account_fk FOREIGN KEY (account_id) "
            "REFERENCES accounts (id);\n"
            "ALTER TABLE ledger ADD CONSTRAINT ledger_small CHECK (amount < 1000000);\n"
            "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n"
            "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);\n"
            "ALTER TABLE accounts ADD COLUMN token text DEFAULT make_token();\n"
        ),
    )
    report = lint([path], CONFIG, dsn=target.dsn, use_database=True)
    wanted = {
        "create-index-not-concurrently",
        "add-foreign-key-validates",
        "add-check-validates",
        "set-not-null-scan",
        "unique-constraint-without-index",
        "volatile-default",
    }
    fixes = [f.fix_sql for f in report.findings if f.fix_sql and f.rule in wanted]
    assert len(fixes) == 6
    with psycopg.connect(target.dsn, autocommit=True) as conn:
        for fix in fixes:
            for raw in parse_sql(fix):
                conn.execute(fix[raw.stmt_location : raw.stmt_location + raw.stmt_len])
    rows = target.execute(
        "SELECT conname, convalidated FROM pg_constraint WHERE conname IN "
        "('ledger_account_fk', 'ledger_small', 'accounts_email_key') ORDER BY 1"
    )
    assert rows == [
        ("accounts_email_key", True),
        ("ledger_account_fk", True),
        ("ledger_small", True),
    ]
    assert target.execute(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ledger_account_idx'::regclass"
    ) == [(True,)]
    assert target.execute(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'accounts'::regclass "
        "AND attname = 'email'"
    ) == [(True,)]
    assert target.execute(
        "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'accounts'::regclass"
        " AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'accounts'::regclass"
        " AND attname = 'token')"
    ) == [("make_token()",)]
