"""Migration formats: each one applied and rolled back on a real database by its real tool.

The SQL forms (sql, golang-migrate, flyway) run through ``psql -v ON_ERROR_STOP=1 -f``; Alembic
and Django run their own ``upgrade`` / ``migrate`` commands. Success is what the catalog shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import conninfo
from psycopg.types.numeric import Int8

from advisor.db import ddl
from advisor.localdb.cluster import find_bindir
from advisor.migrate import formats
from advisor.migrate.formats import evidence
from advisor.migrate.write import already_there, write, write_migrations
from advisor.model import (
    IndexKey,
    IndexSpec,
    Recommendation,
    Statement,
    StatementEffect,
    TableRef,
)

SCHEMA = """
CREATE TABLE accounts (id bigint PRIMARY KEY, owner_id bigint NOT NULL, note text);
INSERT INTO accounts SELECT g, g % 3000, 'n' || g FROM generate_series(1, 30000) g;
CREATE TABLE payments (id bigint PRIMARY KEY, account_id bigint NOT NULL, amount numeric);
INSERT INTO payments SELECT g, g % 5000, g FROM generate_series(1, 30000) g;
"""
LOOKUPS = (
    "SELECT id, note FROM accounts WHERE owner_id = %s",
    "SELECT id, amount FROM payments WHERE account_id = %s",
)


def _tricky(
    where: str = "note <> ':x%' AND id > 5", name: str = "accounts_note_part_idx"
) -> Recommendation:
    """A partial index whose predicate holds ``%`` and ``:name``: traps for drivers and ORMs."""
    spec = IndexSpec(TableRef("public", "accounts"), (IndexKey("note"),), where=where)
    query = f"SELECT id FROM accounts WHERE note = $1 AND {where}"
    return Recommendation(
        spec=spec,
        name=name,
        create_sql=ddl.create_index(spec, name, concurrently=True, if_not_exists=True).as_string(
            None
        ),
        drop_sql=ddl.drop_index("public", name, concurrently=True, if_exists=True).as_string(None),
        estimated_size_bytes=8192,
        effects=(StatementEffect(Statement(None, (), query, 3, 1.0, 0.3), 500.0, 8.0),),
        time_saved_ms_per_week=10.0,
    )


@pytest.fixture(scope="module")
def recommendations(make_db: Any) -> tuple[Recommendation, ...]:
    db = make_db(SCHEMA)
    for lookup in LOOKUPS:
        db.run(lookup, [(Int8(i),) for i in range(1, 30)])
    report = db.analyze()
    names = sorted(r.name for r in report.recommendations)
    assert names == ["accounts_owner_id_idx", "payments_account_id_idx"], names
    return (*report.recommendations, _tricky())


def _indexes(dsn: str) -> dict[str, bool]:
    """Index name -> indisvalid, for the indexes these tests create."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname IN ('accounts_owner_id_idx', 'payments_account_id_idx',"
            " 'accounts_note_part_idx')"
        ).fetchall()
    return {name: valid for name, valid in rows}


ALL_VALID = {
    "accounts_owner_id_idx": True,
    "payments_account_id_idx": True,
    "accounts_note_part_idx": True,
}


def _psql(dsn: str, path: Path) -> None:
    proc = subprocess.run(
        [str(find_bindir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn,
         "-f", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, f"{path.name}: {proc.stderr}"


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, *args], cwd=cwd, env={**os.environ, **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- the SQL forms, applied with psql -------------------------------------------------------

SQL_FORMS = {
    # format: (glob of up files in apply order, glob of down files)
    "sql": ("*.up.sql", "*.down.sql"),
    "golang-migrate": ("*.up.sql", "*.down.sql"),
    "flyway": ("V*__*.sql", "U*__*.sql"),
}


def _by_version(paths: list[Path]) -> list[Path]:
    digits = lambda p: int("".join(c for c in p.name.split("_")[0] if c.isdigit()))  # noqa: E731
    return sorted(paths, key=digits)


@pytest.mark.parametrize("fmt", list(SQL_FORMS))
def test_sql_forms_apply_and_roll_back_with_psql(
    fmt: str, recommendations: Any, make_db: Any, tmp_path: Path
) -> None:
    db = make_db(SCHEMA)
    written = write(tmp_path, recommendations, fmt)
    assert all(p.parent == tmp_path for p in written)
    ups = _by_version(list(tmp_path.glob(SQL_FORMS[fmt][0])))
    downs = _by_version(list(tmp_path.glob(SQL_FORMS[fmt][1])))
    assert len(ups) == len(downs) == 3
    for _ in range(2):  # every file is safe to run twice
        for up in ups:
            _psql(db.dsn, up)
    assert _indexes(db.dsn) == ALL_VALID
    with psycopg.connect(db.dsn) as conn:
        plan = conn.execute("EXPLAIN (FORMAT JSON) " + LOOKUPS[0], (Int8(7),)).fetchone()
    assert plan is not None and "accounts_owner_id_idx" in json.dumps(plan[0])
    for _ in range(2):
        for down in reversed(downs):
            _psql(db.dsn, down)
    assert _indexes(db.dsn) == {}
    if fmt == "flyway":
        for script in (*ups, *downs):
            conf = script.with_name(script.name + ".conf")
            assert conf.read_text() == "executeInTransaction=false\n"


def test_every_file_holds_one_statement_and_its_evidence(recommendations: Any, tmp_path: Path):
    from pglast import parse_sql

    for fmt in SQL_FORMS:
        folder = tmp_path / fmt
        for path in write(folder, recommendations, fmt):
            if path.suffix != ".sql":
                continue
            text = path.read_text()
            assert len(parse_sql(text)) == 1, path.name
            if "create" in path.name and ("up" in path.name or path.name.startswith("V")):
                statements = evidence.read_statements(text)
                assert statements and statements[0].cost_after is not None
                assert statements[0].query.startswith("SELECT")


# --- Alembic and Django, with the real tools --------------------------------------------------

ALEMBIC_ENV = """
import os

import psycopg
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(
    "postgresql+psycopg://", creator=lambda: psycopg.connect(os.environ["MIGRATION_TEST_DSN"])
)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""

ALEMBIC_FIRST = '''"""A hand-written revision already in the project."""
from alembic import op

revision = "c0ffee000001"
down_revision = None


def upgrade():
    op.execute("CREATE TABLE audit_note (id bigint PRIMARY KEY)")


def downgrade():
    op.execute("DROP TABLE audit_note")
'''


def _alembic_project(tmp_path: Path) -> Path:
    """An Alembic project with one hand-written revision; its versions folder."""
    versions = tmp_path / "mig" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "mig" / "env.py").write_text(ALEMBIC_ENV)
    (versions / "c0ffee000001_audit_note.py").write_text(ALEMBIC_FIRST)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/mig\n")
    return versions


def test_alembic_upgrade_and_downgrade(recommendations: Any, make_db: Any, tmp_path: Path) -> None:
    db = make_db(SCHEMA)
    versions = _alembic_project(tmp_path)
    written = write(versions, recommendations, "alembic")
    assert [p.name[:5] for p in written] == ["0001_", "0002_", "0003_"]
    env = {"MIGRATION_TEST_DSN": db.dsn}
    _run(["-m", "alembic", "upgrade", "head"], tmp_path, env)
    assert _indexes(db.dsn) == ALL_VALID
    with psycopg.connect(db.dsn) as conn:
        assert conn.execute("SELECT to_regclass('audit_note') IS NOT NULL").fetchone() == (True,)
        head = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert head is not None and head[0] in written[-1].read_text()
    # one step back removes the last index only; then all the way down
    _run(["-m", "alembic", "downgrade", "-1"], tmp_path, env)
    assert set(_indexes(db.dsn)) == {"accounts_owner_id_idx", "payments_account_id_idx"}
    _run(["-m", "alembic", "downgrade", "base"], tmp_path, env)
    assert _indexes(db.dsn) == {}
    # a second write of a new index continues the chain and the numbering
    again = write(versions, [_tricky("id > 7", "accounts_note_later_idx")], "alembic")
    assert again[0].name.startswith("0004_")
    head_text = written[-1].read_text()
    assert f'down_revision = "{_revision(head_text)}"' in again[0].read_text()


def _revision(text: str) -> str:
    line = next(x for x in text.splitlines() if x.startswith("revision = "))
    return line.split('"')[1]


DJANGO_SETTINGS = """
SECRET_KEY = "test"
INSTALLED_APPS = ["shop"]
USE_TZ = True
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", {params}}}}}
"""

DJANGO_INITIAL = """from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
"""


def _django_project(tmp_path: Path, dsn: str) -> tuple[Path, dict[str, str]]:
    """A Django project with app ``shop`` and its first migration; (migrations, environment)."""
    params = conninfo.conninfo_to_dict(dsn)
    django_params = {
        "NAME": params["dbname"],
        "USER": params.get("user", ""),
        "HOST": params.get("host", ""),
        "PORT": str(params.get("port", "")),
        "PASSWORD": params.get("password", ""),
    }
    rendered = ", ".join(f"{k!r}: {str(v)!r}" for k, v in django_params.items())
    (tmp_path / "settings.py").write_text(DJANGO_SETTINGS.format(params=rendered))
    migrations = tmp_path / "shop" / "migrations"
    migrations.mkdir(parents=True)
    (tmp_path / "shop" / "__init__.py").write_text("")
    (migrations / "__init__.py").write_text("")
    (migrations / "0001_initial.py").write_text(DJANGO_INITIAL)
    return migrations, {"DJANGO_SETTINGS_MODULE": "settings", "PYTHONPATH": str(tmp_path)}


def test_django_migrate_forwards_and_back(
    recommendations: Any, make_db: Any, tmp_path: Path
) -> None:
    db = make_db(SCHEMA)
    migrations, env = _django_project(tmp_path, db.dsn)
    written = write(migrations, recommendations, "django")
    assert written[0].name.startswith("0002_create_")
    assert '("shop", "0001_initial")' in written[0].read_text()
    _run(["-m", "django", "migrate", "shop"], tmp_path, env)
    assert _indexes(db.dsn) == ALL_VALID
    _run(["-m", "django", "migrate", "shop", "0002"], tmp_path, env)
    assert set(_indexes(db.dsn)) == {written[0].stem.removeprefix("0002_create_")}
    _run(["-m", "django", "migrate", "shop", "zero"], tmp_path, env)
    assert _indexes(db.dsn) == {}


# --- an index on a partitioned table, in every format ------------------------------------------

PARTITIONED = """
CREATE TABLE events (id bigint NOT NULL, kind int NOT NULL, at timestamptz NOT NULL)
  PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
  PARTITION BY HASH (kind);
CREATE TABLE events_2025_h0 PARTITION OF events_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE events_2025_h1 PARTITION OF events_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE events_default PARTITION OF events DEFAULT;
INSERT INTO events SELECT g, g % 300, timestamptz '2023-07-01' + (g % 900) * interval '1 day'
  FROM generate_series(1, 30000) g;
"""
BY_KIND = "SELECT id FROM events WHERE kind = %s"
EVENT_LEAVES = {"events_2024", "events_2025_h0", "events_2025_h1", "events_default"}


@pytest.fixture(scope="module")
def on_partitions(make_db: Any) -> Recommendation:
    db = make_db(PARTITIONED)
    db.run(BY_KIND, [(i,) for i in range(1, 30)])
    (rec,) = db.analyze().recommendations
    # ON ONLY, 4 leaves built and attached, the hash level ON ONLY and attached
    assert rec.spec.table.name == "events" and len(rec.create_statements) == 1 + 4 * 2 + 2
    return rec


def _partition_indexes(dsn: str) -> dict[str, tuple[str, bool]]:
    """Index name -> (its table, indisvalid) for every index on the events tables."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT c.relname, t.relname, i.indisvalid FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
            " WHERE t.relname LIKE 'events%'"
        ).fetchall()
    return {name: (table, valid) for name, table, valid in rows}


def _assert_built(dsn: str, rec: Recommendation) -> None:
    found = _partition_indexes(dsn)
    assert found[rec.name] == ("events", True), found
    assert all(valid for _table, valid in found.values()), found
    assert {table for table, _valid in found.values()} >= EVENT_LEAVES
    with psycopg.connect(dsn) as conn:
        attached = conn.execute(
            "SELECT count(*) FROM pg_partition_tree(%s::regclass) WHERE isleaf", (rec.name,)
        ).fetchone()
        plan = conn.execute("EXPLAIN (FORMAT JSON) " + BY_KIND, (7,)).fetchone()
    assert attached == (len(EVENT_LEAVES),)
    assert plan is not None and "events_2024_kind_idx" in json.dumps(plan[0])


@pytest.mark.parametrize("fmt", formats.names())
def test_partitioned_index_builds_valid_and_rolls_back_in_every_format(
    fmt: str, on_partitions: Recommendation, make_db: Any, tmp_path: Path
) -> None:
    db = make_db(PARTITIONED)
    rec = on_partitions
    if fmt in SQL_FORMS:  # each file run by psql, one statement at a time, twice
        written = write(tmp_path, [rec], fmt)
        (up,) = tmp_path.glob(SQL_FORMS[fmt][0])
        (down,) = tmp_path.glob(SQL_FORMS[fmt][1])
        assert ("x-multi-statement=true" in up.read_text()) == (fmt == "golang-migrate")
        for _ in range(2):
            _psql(db.dsn, up)
        _assert_built(db.dsn, rec)
        for _ in range(2):
            _psql(db.dsn, down)
    elif fmt == "alembic":
        versions = _alembic_project(tmp_path)
        written = write(versions, [rec], fmt)
        env = {"MIGRATION_TEST_DSN": db.dsn}
        _run(["-m", "alembic", "upgrade", "head"], tmp_path, env)
        _assert_built(db.dsn, rec)
        _run(["-m", "alembic", "downgrade", "base"], tmp_path, env)
    else:
        migrations, env = _django_project(tmp_path, db.dsn)
        written = write(migrations, [rec], fmt)
        _run(["-m", "django", "migrate", "shop"], tmp_path, env)
        _assert_built(db.dsn, rec)
        _run(["-m", "django", "migrate", "shop", "zero"], tmp_path, env)
    assert written and _partition_indexes(db.dsn) == {}
    # written again into its folder: the parent index is found, nothing is added
    assert write(written[0].parent, [rec], fmt) == []


# --- names, numbering, registry ------------------------------------------------------------


@pytest.mark.parametrize("fmt", formats.names())
def test_same_advice_same_directory_gives_the_same_files(
    fmt: str, recommendations: Any, tmp_path: Path
) -> None:
    first = write(tmp_path / "a" / "app" / "migrations", recommendations, fmt)
    second = write(tmp_path / "b" / "app" / "migrations", recommendations, fmt)
    assert [p.name for p in first] == [p.name for p in second]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert not list(tmp_path.rglob(".*.tmp"))


def test_numbering_continues_what_is_there(recommendations: Any, tmp_path: Path) -> None:
    one = recommendations[:1]
    golang = tmp_path / "golang"
    golang.mkdir()
    (golang / "000007_users.up.sql").write_text("SELECT 1;\n")
    (golang / "000007_users.down.sql").write_text("SELECT 1;\n")
    assert write(golang, one, "golang-migrate")[0].name.startswith("000008_create_")
    stamped = tmp_path / "stamped"
    stamped.mkdir()
    (stamped / "20240101120000_users.up.sql").write_text("SELECT 1;\n")
    assert write(stamped, one, "golang-migrate")[0].name.startswith("20240101120001_")
    flyway = tmp_path / "flyway"
    flyway.mkdir()
    (flyway / "V1_2__users.sql").write_text("SELECT 1;\n")
    (flyway / "V3__orders.sql").write_text("SELECT 1;\n")
    (flyway / "R__views.sql").write_text("SELECT 1;\n")
    assert write(flyway, one, "flyway")[0].name == f"V4__create_{one[0].name}.sql"
    plain = tmp_path / "plain"
    assert [p.name for p in write_migrations(plain, one)] == [
        f"001_create_{one[0].name}.up.sql",
        f"001_create_{one[0].name}.down.sql",
    ]
    assert write_migrations(plain, recommendations[1:2])[0].name.startswith("002_")
    assert write(tmp_path / "empty", (), "alembic") == []


@pytest.mark.parametrize("fmt", formats.names())
def test_the_same_index_is_not_written_twice_into_a_folder(
    fmt: str, recommendations: Any, tmp_path: Path
) -> None:
    """A second run of the same advice finds every index in the folder and writes nothing,
    however its files are named or numbered; a new index still gets the next number."""
    folder = tmp_path / "app" / "migrations"
    first = write(folder, recommendations[:2], fmt, since="2024-05-01T09:30:00+00:00")
    assert first
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert already_there(folder, recommendations, fmt) == list(recommendations[:2])
    assert write(folder, recommendations[:2], fmt, since="2024-05-08T00:00:00+00:00") == []
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    added = write(folder, recommendations, fmt)  # only the third is new
    assert added and all(recommendations[2].name in p.name for p in added if "create" in p.name)
    assert write(folder, recommendations, fmt) == []


def test_evidence_holds_facts_that_do_not_drift(recommendations: Any) -> None:
    """Two runs a week apart: more calls, more time saved, the same evidence."""
    rec = recommendations[0]
    later = replace(
        rec,
        effects=tuple(
            replace(e, statement=replace(e.statement, calls=e.statement.calls * 7))
            for e in rec.effects
        ),
        time_saved_ms_per_week=(rec.time_saved_ms_per_week or 100.0) * 1.3,
        time_saved_ms=(rec.time_saved_ms or 100.0) * 1.3,
    )
    since = "2024-05-01T09:30:00+00:00"
    text = evidence.lines(rec, since)
    assert evidence.lines(later, since) == text
    assert "estimated size" in text[1] and "statistics since 2024-05-01" in text[1]
    assert not any("calls" in line or "week" in line for line in text)
    costs = [line for line in text if line.startswith("  queryid")]
    assert len(costs) == len(rec.effects) and all("cost " in line for line in costs)
    # files written before this change carried the calls: apply still reads them
    old = "-- " + costs[0].replace(", cost", ", 39 calls, cost") + "\n--     SELECT 1\n"
    (read,) = evidence.read_statements(old)
    assert read.calls == 39 and read.query == "SELECT 1"


def test_alembic_refuses_several_heads(recommendations: Any, tmp_path: Path) -> None:
    from advisor.errors import UsageError

    for rev in ("aaa", "bbb"):
        (tmp_path / f"{rev}.py").write_text(f'revision = "{rev}"\ndown_revision = None\n')
    with pytest.raises(UsageError, match="several Alembic heads"):
        write(tmp_path, recommendations, "alembic")


def test_registry_is_documented_and_names_are_known() -> None:
    from advisor.errors import UsageError

    assert formats.names() == ("sql", "golang-migrate", "flyway", "alembic", "django")
    for fmt in formats.FORMATS:
        doc = type(fmt).__doc__ or ""
        assert doc.startswith(f"``{fmt.name}``"), fmt.name
        assert "CONCURRENTLY" in doc and "transaction" in doc and fmt.summary
    with pytest.raises(UsageError, match="use one of: sql, golang-migrate"):
        formats.get("liquibase")
