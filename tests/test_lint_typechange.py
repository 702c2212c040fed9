"""Which ``ALTER COLUMN ... TYPE`` changes rewrite the table, checked on the real server: a
rewrite gives the table a new relfilenode. Every verdict of ``typechange.rewrites`` in the table
below is run against PostgreSQL, and the migration check agrees with the server with --dsn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from advisor.lint.config import LintConfig
from advisor.lint.migration.run import lint
from advisor.lint.migration.typechange import TypeShape, rewrites

# (old type, new type, what rewrites() says: True rewrite, False catalog-only, None: depends on
# the session TimeZone, run here in UTC)
CHANGES: list[tuple[str, str, bool | None]] = [
    ("varchar(20)", "text", False),
    ("varchar(20)", "varchar(40)", False),
    ("varchar(20)", "varchar", False),
    ("varchar(40)", "varchar(20)", True),
    ("text", "varchar", False),
    ("text", "varchar(100)", True),
    ("numeric(10,2)", "numeric", False),
    ("numeric(10,2)", "numeric(14,2)", False),
    ("numeric(10,2)", "numeric(14,4)", True),
    ("numeric(14,2)", "numeric(10,2)", True),
    ("numeric", "numeric(12,2)", True),
    ("varbit(5)", "varbit(10)", False),
    ("cidr", "inet", False),
    ("integer", "bigint", True),
    ("smallint", "integer", True),
    ("char(3)", "text", True),
    ("timestamp", "timestamptz", None),
    ("timestamptz", "timestamp", None),
]
VALUES = {
    "varchar": "'abc'",
    "text": "'abc'",
    "numeric": "12.5",
    "varbit": "B'101'",
    "cidr": "'10.0.0.0/8'",
    "integer": "7",
    "smallint": "7",
    "char": "'abc'",
    "timestamp": "'2024-05-01 10:00'",
    "timestamptz": "'2024-05-01 10:00+00'",
}


def shape(text: str) -> TypeShape:
    name, _, mods = text.partition("(")
    aliases = {"integer": "int4", "smallint": "int2", "bigint": "int8", "char": "bpchar"}
    numbers = tuple(int(m) for m in mods.rstrip(")").split(",") if m)
    return aliases.get(name, name), numbers


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    return make_db("", hypopg=False)


def relfilenode(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute("SELECT relfilenode FROM pg_class WHERE relname = %s", [table]).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(("old", "new", "verdict"), CHANGES, ids=lambda v: str(v))
def test_verdicts_match_the_server(db: Any, old: str, new: str, verdict: bool | None) -> None:
    assert rewrites(shape(old), shape(new)) is verdict
    table = "tc_" + "_".join(filter(str.isalnum, (old + new).replace("(", "_").split("_")))[:40]
    value = VALUES[old.partition("(")[0]]
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        name = sql.Identifier(table)
        conn.execute(sql.SQL("CREATE TABLE {} (c {})").format(name, sql.SQL(old)))
        conn.execute(
            sql.SQL("INSERT INTO {} SELECT {} FROM generate_series(1, 100)").format(
                name, sql.SQL(value)
            )
        )
        before = relfilenode(conn, table)
        conn.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN c TYPE {}").format(name, sql.SQL(new)))
        rewritten = relfilenode(conn, table) != before
        conn.execute(sql.SQL("DROP TABLE {}").format(name))
    assert rewritten is (verdict is True)


def test_timestamp_to_timestamptz_rewrites_outside_utc(db: Any) -> None:
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'Europe/Berlin'")
        conn.execute("CREATE TABLE tz_berlin (c timestamp)")
        conn.execute("INSERT INTO tz_berlin VALUES ('2024-05-01 10:00')")
        before = relfilenode(conn, "tz_berlin")
        conn.execute("ALTER TABLE tz_berlin ALTER COLUMN c TYPE timestamptz")
        assert relfilenode(conn, "tz_berlin") != before


def test_check_with_dsn_agrees_with_the_server(make_db: Any, tmp_path: Path) -> None:
    """The issue's case: varchar(n) to text is catalog-only, so no finding; int to bigint is."""
    db = make_db(
        "CREATE TABLE people (id integer PRIMARY KEY, email varchar(50), price numeric(10, 2));"
        "INSERT INTO people SELECT g, 'p' || g, g FROM generate_series(1, 500) g",
        hypopg=False,
    )
    path = tmp_path / "m.sql"
    path.write_text(
        "SET lock_timeout = '2s';\n"
        "ALTER TABLE people ALTER COLUMN email TYPE text;\n"
        "ALTER TABLE people ALTER COLUMN price TYPE numeric;\n"
        "ALTER TABLE people ALTER COLUMN id TYPE bigint;\n"
    )
    for dsn in (None, db.dsn):
        report = lint([path], LintConfig(), dsn=dsn, use_database=dsn is not None)
        flagged = {f.line for f in report.findings if f.rule == "type-change-rewrite"}
        assert flagged == {4}
