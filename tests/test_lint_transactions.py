"""Transaction boundaries by migration tool (--migration-format), the checks that depend on them,
down migrations where each format keeps them, the server's version, and the severity a table's
size gives (--max-blocking-size)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from advisor.cli import app
from advisor.errors import UsageError
from advisor.lint import config as config_mod
from advisor.lint.config import LintConfig
from advisor.lint.migration.run import lint
from advisor.lint.migration.source import parse
from advisor.lint.migration.transactions import analyse
from advisor.lint.model import LintReport, Severity

NOT_VALID_THEN_VALIDATE = (
    "SET lock_timeout = '2s';\n"
    "ALTER TABLE accounts ADD CONSTRAINT accounts_positive CHECK (balance >= 0) NOT VALID;\n"
    "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_positive;\n"
)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def rules(report: LintReport) -> set[str]:
    return {f.rule for f in report.findings}


def blocks(text: str, fmt: str, conf: bool | None = None) -> tuple[int | None, ...]:
    return analyse(parse(text, Path("m.sql")).steps, fmt, conf).blocks


def test_blocks_per_format() -> None:
    assert blocks(NOT_VALID_THEN_VALIDATE, "sql") == (None, None, None)
    for fmt in ("golang-migrate", "flyway", "alembic", "django"):
        assert blocks(NOT_VALID_THEN_VALIDATE, fmt) == (0, 0, 0), fmt
    # explicit blocks in plain SQL; golang-migrate: a COMMIT ends the implicit transaction
    text = "SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;\nSELECT 3;\nSELECT 4;\n"
    assert blocks(text, "sql") == (None, 0, 0, 0, None, None)
    assert blocks(text, "golang-migrate") == (0, 0, 0, 0, 1, 1)
    # a file of one statement is no transaction block for golang-migrate
    assert blocks("CREATE INDEX CONCURRENTLY i ON t (a);\n", "golang-migrate") == (None,)
    # Flyway: a statement it knows cannot run in a transaction, or the script config, decides
    cic = "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
    assert blocks(cic, "flyway") == (None, None)
    reindex = "REINDEX INDEX CONCURRENTLY i;\n"
    assert blocks(reindex, "flyway") == (0,)
    assert blocks(reindex, "flyway", conf=False) == (None,)


@pytest.mark.parametrize(
    ("fmt", "flagged"),
    [("sql", False), ("golang-migrate", True), ("flyway", True), ("alembic", True)],
)
def test_validate_in_the_transaction_of_its_not_valid(
    tmp_path: Path, fmt: str, flagged: bool
) -> None:
    path = write(tmp_path, "m.sql", NOT_VALID_THEN_VALIDATE)
    report = lint([path], replace(LintConfig(), migration_format=fmt))
    found = [f for f in report.findings if f.rule == "scan-under-held-lock"]
    assert bool(found) is flagged
    if flagged:
        (finding,) = found
        assert (finding.line, finding.lock) == (3, "ACCESS EXCLUSIVE")
        assert "line 2" in finding.detail


def test_backfill_under_the_lock_of_add_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "m.sql",
        "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN tier text;\n"
        "UPDATE accounts SET tier = 'basic';\nCOMMIT;\n",
    )
    (finding,) = [
        f for f in lint([path], LintConfig()).findings if f.rule == "scan-under-held-lock"
    ]
    assert finding.line == 4 and "UPDATE of every row" in finding.detail


def test_concurrently_by_format(tmp_path: Path) -> None:
    alone = write(tmp_path, "1_idx.up.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n")
    write(tmp_path, "1_idx.down.sql", "DROP INDEX CONCURRENTLY IF EXISTS i;\n")
    with_set = write(
        tmp_path,
        "2_idx.up.sql",
        "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS j ON t (a);\n",
    )
    write(tmp_path, "2_idx.down.sql", "DROP INDEX CONCURRENTLY IF EXISTS j;\n")
    golang = replace(LintConfig(), migration_format="golang-migrate")
    assert "concurrently-in-transaction" not in rules(lint([alone], golang))
    (finding,) = [
        f for f in lint([with_set], golang).findings if f.rule == "concurrently-in-transaction"
    ]
    assert "one implicit transaction" in finding.detail
    assert "concurrently-in-transaction" not in rules(lint([with_set], LintConfig()))
    # Flyway runs such a file without a transaction, but refuses the mix unless mixed is set
    flyway = replace(LintConfig(), migration_format="flyway")
    (mixed,) = [
        f for f in lint([with_set], flyway).findings if f.rule == "concurrently-in-transaction"
    ]
    assert mixed.severity is Severity.WARNING and "mixes" in mixed.detail
    # Flyway does not spot REINDEX CONCURRENTLY: without a script config it runs in a transaction
    reindex = write(tmp_path, "V3__reindex.sql", "REINDEX INDEX CONCURRENTLY i;\n")
    assert "concurrently-in-transaction" in rules(lint([reindex], flyway))
    write(tmp_path, "V3__reindex.sql.conf", "executeInTransaction=false\n")
    assert "concurrently-in-transaction" not in rules(lint([reindex], flyway))


def test_transaction_nesting(tmp_path: Path) -> None:
    unclosed = write(
        tmp_path,
        "a.sql",
        "BEGIN;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN c int;\n",
    )
    (finding,) = [
        f for f in lint([unclosed], LintConfig()).findings if f.rule == "transaction-nesting"
    ]
    assert (finding.line, finding.severity) == (1, Severity.ERROR)
    # the tool's own transaction: a COMMIT in the file ends it early
    commit = write(
        tmp_path, "b.sql", "SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;\n"
    )
    (stray,) = [f for f in lint([commit], LintConfig()).findings if f.rule == "transaction-nesting"]
    assert "no transaction in progress" in stray.detail  # psql: nothing to commit
    assert {
        (f.line, "ends the transaction the tool opened" in f.detail)
        for f in lint([commit], replace(LintConfig(), migration_format="alembic")).findings
        if f.rule == "transaction-nesting"
    } == {(3, True)}
    # golang-migrate: explicit BEGIN ... COMMIT in the one query is fine
    explicit = write(tmp_path, "c.sql", "BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;\n")
    golang = replace(LintConfig(), migration_format="golang-migrate")
    assert "transaction-nesting" not in rules(lint([explicit], golang))
    flyway = replace(LintConfig(), migration_format="flyway")
    assert "transaction-nesting" in rules(lint([explicit], flyway))


def test_not_rerunnable_only_where_a_partial_run_is_possible(tmp_path: Path) -> None:
    text = (
        "SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN c int;\n"
        "ALTER TABLE t ADD COLUMN d int;\n"
    )
    path = write(tmp_path, "m.sql", text)
    found = [f for f in lint([path], LintConfig()).findings if f.rule == "not-rerunnable"]
    assert [(f.line, f.fix_sql) for f in found] == [
        (2, "ALTER TABLE t ADD COLUMN IF NOT EXISTS c integer;")
    ]
    wrapped = replace(LintConfig(), migration_format="golang-migrate")
    assert "not-rerunnable" not in rules(lint([path], wrapped))  # rolled back whole


def test_down_migrations_where_each_format_keeps_them(tmp_path: Path) -> None:
    flyway_dir = tmp_path / "flyway"
    flyway_dir.mkdir()
    write(flyway_dir, "V1__a.sql", "CREATE TABLE IF NOT EXISTS a (id bigint PRIMARY KEY);\n")
    write(flyway_dir, "V2__b.sql", "CREATE TABLE IF NOT EXISTS b (id bigint PRIMARY KEY);\n")
    flyway = replace(LintConfig(), migration_format="flyway")
    assert lint([flyway_dir], flyway).findings == ()  # no undo scripts at all: Community edition
    write(flyway_dir, "U1__a.sql", "DROP TABLE IF EXISTS a;\n")
    (missing,) = lint([flyway_dir], flyway).findings
    assert (missing.rule, Path(missing.file or "").name) == ("down-missing", "V2__b.sql")
    assert "U2__b.sql" in missing.detail
    golang_dir = tmp_path / "golang"
    golang_dir.mkdir()
    write(golang_dir, "000001_a.up.sql", "CREATE TABLE IF NOT EXISTS a (id bigint PRIMARY KEY);\n")
    golang = replace(LintConfig(), migration_format="golang-migrate")
    assert rules(lint([golang_dir], golang)) == {"down-missing"}
    alembic = replace(LintConfig(), migration_format="alembic")
    assert lint([golang_dir], alembic).findings == ()  # downgrade() lives in Python


def test_files_run_in_version_order(tmp_path: Path) -> None:
    """V2 creates the column, V10 shortens it: the old type is known only in version order."""
    write(tmp_path, "V2__table.sql", "CREATE TABLE p (id bigint PRIMARY KEY, email varchar(20));\n")
    write(
        tmp_path,
        "V10__shorten.sql",
        "SET lock_timeout = '1s';\nALTER TABLE p ALTER COLUMN email TYPE varchar(10);\n",
    )
    report = lint([tmp_path], replace(LintConfig(), migration_format="flyway"))
    (finding,) = [f for f in report.findings if f.rule == "type-change-rewrite"]
    assert (
        finding.severity is Severity.WARNING and "from varchar(20) to varchar(10)" in finding.detail
    )


def test_flyway_names_get_a_note_under_the_sql_format(tmp_path: Path) -> None:
    path = write(tmp_path, "V1__a.sql", "SELECT 1;\n")
    assert any("--migration-format flyway" in n for n in lint([path], LintConfig()).notes)


def test_versions(tmp_path: Path) -> None:
    detach = write(
        tmp_path, "d.sql", "SET lock_timeout = '1s';\nALTER TABLE ev DETACH PARTITION ev_2024;\n"
    )
    (finding,) = lint([detach], LintConfig()).findings
    assert finding.severity is Severity.WARNING and "CONCURRENTLY" in (finding.fix_sql or "")
    (old,) = lint([detach], replace(LintConfig(), pg_version=13)).findings
    assert old.severity is Severity.INFO and old.fix_sql is None and "14+" in old.detail
    reindex = write(
        tmp_path, "r.sql", "REINDEX TABLE CONCURRENTLY ev_2025;\nREINDEX TABLE ev_2025;\n"
    )
    (eleven,) = [
        f
        for f in lint([reindex], replace(LintConfig(), pg_version=11)).findings
        if f.rule == "reindex-not-concurrently"
    ]
    assert eleven.severity is Severity.INFO and "12+" in eleven.detail
    with pytest.raises(UsageError, match="major version"):
        config_mod.check_pg_version("sixteen")
    with pytest.raises(UsageError, match="migration-format"):
        config_mod.check_migration_format("liquibase")


def test_default_partition_makes_concurrent_detach_impossible(make_db: Any, tmp_path: Path) -> None:
    db = make_db(
        "CREATE TABLE ev (id bigint, at date) PARTITION BY RANGE (at);"
        "CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
        "CREATE TABLE ev_rest PARTITION OF ev DEFAULT;",
        hypopg=False,
    )
    path = write(
        tmp_path, "d.sql", "SET lock_timeout = '1s';\nALTER TABLE ev DETACH PARTITION ev_2024;\n"
    )
    (finding,) = lint([path], LintConfig(), dsn=db.dsn, use_database=True).findings
    assert finding.severity is Severity.INFO and "DEFAULT partition" in finding.detail
    assert finding.fix_sql is None


def test_a_rewrite_on_a_table_past_max_blocking_size_is_an_error(
    make_db: Any, tmp_path: Path
) -> None:
    db = make_db(
        "CREATE TABLE big AS SELECT g AS id, repeat('x', 100) AS pad"
        " FROM generate_series(1, 100000) g;"
        "CREATE TABLE small AS SELECT g AS id FROM generate_series(1, 100) g;",
        hypopg=False,
    )
    ((size,),) = db.execute("SELECT pg_table_size('big')")
    assert size > LintConfig().max_blocking_bytes  # the default, 10 MB
    path = write(
        tmp_path,
        "m.sql",
        "SET lock_timeout = '1s';\nSET statement_timeout = '10s';\n"
        "ALTER TABLE big ALTER COLUMN id TYPE bigint;\n"
        "ALTER TABLE small ALTER COLUMN id TYPE bigint;\n",
    )
    report = lint([path], LintConfig(), dsn=db.dsn, use_database=True)
    assert {(f.table, f.severity) for f in report.findings if f.rule == "type-change-rewrite"} == {
        ("big", Severity.ERROR),
        ("small", Severity.WARNING),
    }

    result = CliRunner().invoke(app, ["lint", "--migration", str(path), "--dsn", db.dsn])
    assert result.exit_code == 1 and "error" in result.stdout
    bigger = CliRunner().invoke(
        app, ["lint", "--migration", str(path), "--dsn", db.dsn, "--max-blocking-size", "1GB"]
    )
    assert bigger.exit_code == 0


def test_set_local_lasts_as_long_as_its_transaction(tmp_path: Path) -> None:
    text = "SET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN IF NOT EXISTS c int;\n"
    path = write(tmp_path, "m.sql", text)
    assert rules(lint([path], LintConfig())) == {"missing-lock-timeout"}  # psql: no transaction
    golang = replace(LintConfig(), migration_format="golang-migrate")
    assert lint([path], golang).findings == ()  # one implicit transaction for the whole file
    after_commit = write(
        tmp_path,
        "n.sql",
        "BEGIN;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN IF NOT EXISTS c int;\n"
        "COMMIT;\nALTER TABLE t ADD COLUMN IF NOT EXISTS d int;\n",
    )
    (finding,) = lint([after_commit], LintConfig()).findings
    assert (finding.rule, finding.line) == ("missing-lock-timeout", 5)
