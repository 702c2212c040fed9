"""Every query in queries/ runs on the server under test (PostgreSQL 13-18).

pg_stat_statements, pg_stat_* views and the catalog change columns between versions; a query that
names a column one version lacks must fail here, on that version. Each query is run for real in a
transaction that is rolled back, with its ``{placeholders}`` filled and parameters from CASES (a
query with parameters and no case fails: add one). The snapshot store's statements are only
parse-analysed (PREPARE): their data does not matter, their names and types do.

Run against other versions' binaries with ``scripts/pg-versions.py`` (docs/safety.md). That
script sets ``ADVISOR_PG_MATRIX=1``: its servers have no HypoPG, so the HypoPG queries are skipped
there, and only there. Everywhere else a missing HypoPG fails the test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from advisor.db import queries, session

MATRIX = os.environ.get("ADVISOR_PG_MATRIX") == "1"

SCHEMA = """
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE SEQUENCE ticket_seq;
CREATE TABLE parent (id bigint PRIMARY KEY, name text UNIQUE NOT NULL);
CREATE TABLE child (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id bigint NOT NULL REFERENCES parent,
    feeling mood,
    amount numeric(12, 2),
    note text,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX child_parent_idx ON child (parent_id) INCLUDE (amount);
CREATE INDEX child_note_idx ON child (lower(note)) WHERE amount > 0;
CREATE INDEX child_created_brin ON child USING brin (created);
ALTER TABLE child ENABLE ROW LEVEL SECURITY;
CREATE POLICY child_visible ON child USING (amount >= 0);
CREATE VIEW parent_names AS SELECT id, name FROM parent;
CREATE FUNCTION double_it(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 2';
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_id_idx ON events (id);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 200) g;
INSERT INTO child (parent_id, feeling, amount, note)
SELECT 1 + g % 200, CASE WHEN g % 2 = 0 THEN 'ok'::mood ELSE 'sad'::mood END, g, 'n' || g
  FROM generate_series(1, 2000) g;
"""

Params = dict[str, Any] | tuple[Any, ...]


@dataclass(frozen=True)
class Case:
    """How to run one query: its parameters (from the context), or parse-analyse it only."""

    params: Callable[[dict[str, Any]], Params] | None = None
    prepare_only: bool = False
    needs: tuple[str, ...] = field(default=())  # queries to run first, in the same transaction


def _store(prepare_only: bool = True) -> Case:
    return Case(prepare_only=prepare_only, needs=_STORE_SCHEMA)


_STORE_SCHEMA = (
    "snapshot_store_create_snapshot",
    "snapshot_store_create_snapshot_key",
    "snapshot_store_create_statement",
    "snapshot_store_create_query",
    "snapshot_store_create_table",
    "snapshot_store_create_index",
    "snapshot_store_create_recommendation",
)

CASES: dict[str, Case] = {
    "activity_running": Case(lambda c: {"min_running_s": 0}),
    "apply_index_state": Case(lambda c: {"schema": "public", "name": "child_parent_idx"}),
    "apply_progress": Case(lambda c: {"pid": c["pid"]}),
    "apply_table_schema": Case(lambda c: {"table": "child"}),
    "apply_partition_tree": Case(lambda c: {"schema": "public", "table": "events"}),
    "apply_partition_indexes": Case(lambda c: {"schema": "public", "table": "events"}),
    "verify_partition_index_names": Case(lambda c: {"index": "public.events_id_idx"}),
    "lint_function_volatility": Case(lambda c: {"names": ["double_it", "lower"]}),
    "catalog_relation_names": Case(lambda c: {"schema": "public"}),
    "catalog_indexes": Case(lambda c: {"table_oid": None}),
    "catalog_indexes_lockfree": Case(lambda c: {"table_oid": c["table_oid"]}),
    "catalog_index_definitions": Case(lambda c: {"oids": [c["index_oid"]]}),
    "catalog_foreign_keys": Case(lambda c: {"table_oid": None}),
    "review_hypopg_hide": Case(lambda c: (c["index_oid"],)),
    "review_hypopg_unhide": Case(lambda c: (c["index_oid"],)),
    "snapshot_store_pg_lock": Case(lambda c: (0x61647669,)),
    "mcp_tables": Case(lambda c: {"limit": 10}),
    "table_stats": Case(lambda c: (c["table_oid"],)),
    "table_columns": Case(lambda c: {"oid": c["table_oid"]}),
    "table_sizes": Case(lambda c: (c["table_oid"],)),
    "table_locks": Case(lambda c: ([c["table_oid"], c["index_oid"]],)),
    "session_untrack": Case(lambda c: session.untrack_statement(150000)[1]),
    "session_untrack_superuser": Case(lambda c: session.untrack_statement(140000)[1]),
    "session_set": Case(
        lambda c: {"name": "work_mem", "value": "8MB", "is_local": True, "missing_ok": True}
    ),
    "session_tracking": Case(lambda c: {"name": session.TRACK_SETTING, "missing_ok": True}),
}
for _i, _name in enumerate(_STORE_SCHEMA):  # each table after those it references
    CASES[_name] = Case(needs=_STORE_SCHEMA[:_i])
for _name in queries.names():
    if _name.startswith("snapshot_store_") and _name not in _STORE_SCHEMA:
        CASES.setdefault(_name, _store())

# values that the advisor composes in as literals, where a statement runs in a script (no
# parameters there): one index to create, and an object id that is no hypothetical index
LITERALS: dict[str, sql.Composable] = {
    "statements": sql.Literal(["CREATE INDEX ON public.child (note)"]),
    "oids": sql.Literal(["0"]),
    "statement": sql.SQL("SELECT note FROM public.child"),  # apply --validate: a checked SELECT
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s")


def _fill(name: str, schemas: dict[str, str]) -> sql.Composed | sql.SQL:
    """The query with its ``{placeholders}`` filled as the advisor fills them."""
    text = queries.load(name)
    names = set(re.findall(r"\{(\w+)\}", text.as_string()))
    values: dict[str, sql.Composable] = {}
    for placeholder in names:
        if placeholder == "hypopg":
            values[placeholder] = sql.Identifier(schemas["hypopg"])
        elif placeholder == "pgss":
            values[placeholder] = sql.Identifier(
                schemas["pg_stat_statements"], "pg_stat_statements"
            )
        elif placeholder == "pgss_info":
            values[placeholder] = sql.Identifier(
                schemas["pg_stat_statements"], "pg_stat_statements_info"
            )
        elif placeholder in LITERALS:
            values[placeholder] = LITERALS[placeholder]
        else:
            raise AssertionError(f"queries/{name}.sql: unknown placeholder {{{placeholder}}}")
    return text.format(**values) if values else text


def _needs_hypopg(name: str) -> bool:
    return "{hypopg}" in queries.load(name).as_string()


def _has_params(name: str) -> bool:
    return _PLACEHOLDER.search(queries.load(name).as_string()) is not None


@pytest.fixture(scope="module")
def db(make_db: Any, pg_server: Any) -> Any:
    with psycopg.connect(pg_server.admin_dsn) as admin:
        available = admin.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'"
        ).fetchone()
    if not available and not MATRIX:
        pytest.fail("HypoPG is not installed on the test server (the default suite needs it)")
    database = make_db(SCHEMA, hypopg=bool(available))
    database.hypopg = bool(available)
    database.run("SELECT name FROM parent WHERE id = %s", [(1,), (2,)])
    return database


@pytest.fixture
def conn(db: Any) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db.dsn) as connection:
        yield connection
        connection.rollback()


def _context(conn: psycopg.Connection[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    schemas = dict(
        conn.execute(
            "SELECT extname, extnamespace::regnamespace::text FROM pg_extension"
        ).fetchall()
    )
    row = conn.execute(
        "SELECT 'child'::regclass::oid, 'child_parent_idx'::regclass::oid, pg_backend_pid()"
    ).fetchone()
    assert row is not None
    context: dict[str, Any] = {"table_oid": row[0], "index_oid": row[1], "pid": row[2]}
    if "hypopg" in schemas:
        hypo = conn.execute(_fill("hypopg_create_many", schemas)).fetchone()
        assert hypo is not None
        context["hypo_oid"] = hypo[0]
    return context, schemas


def _hypopg_version(conn: psycopg.Connection[Any]) -> tuple[int, ...]:
    row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'hypopg'").fetchone()
    assert row is not None
    return tuple(int(part) for part in re.findall(r"\d+", row[0]))


def _prepare(conn: psycopg.Connection[Any], query: sql.Composable) -> None:
    """Parse-analyse only: names, types and functions are checked, nothing runs."""
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        key = match.group(1) or f"#{len(numbers)}"
        numbers.setdefault(key, len(numbers) + 1)
        return f"${numbers[key]}"

    text = _PLACEHOLDER.sub(number, query.as_string(conn))
    result = conn.pgconn.prepare(b"advisor_version_check", text.encode())
    if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
        message = (result.error_message or b"").decode(errors="replace").strip()
        raise AssertionError(f"does not parse on this server: {message}")
    conn.execute("DEALLOCATE advisor_version_check")


def _run(conn: psycopg.Connection[Any], name: str, schemas: dict[str, str], ctx: Any) -> None:
    case = CASES.get(name, Case())
    for needed in case.needs:
        conn.execute(_fill(needed, schemas))
    query = _fill(name, schemas)
    if case.prepare_only:
        _prepare(conn, query)
        return
    if case.params is None and _has_params(name):
        raise AssertionError(
            f"queries/{name}.sql takes parameters: add a Case for it in tests/test_versions.py"
        )
    params = case.params(ctx) if case.params else None
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        if cur.description:
            cur.fetchall()


@pytest.mark.parametrize("name", queries.names())
def test_query_runs_on_this_server(name: str, db: Any, conn: psycopg.Connection[Any]) -> None:
    if _needs_hypopg(name) and not db.hypopg:
        pytest.skip("matrix run: these server binaries have no HypoPG")
    ctx, schemas = _context(conn)
    version = conn.info.server_version
    if name == "statements_info" and version < 140000:
        # pg_stat_statements_info arrived with 14; the advisor asks for it only there
        with pytest.raises(psycopg.errors.UndefinedTable):
            _run(conn, name, schemas, ctx)
        return
    if name == "session_untrack" and version < 150000:
        # has_parameter_privilege arrived with 15; before, session_untrack_superuser runs
        with pytest.raises(psycopg.errors.UndefinedFunction):
            _run(conn, name, schemas, ctx)
        return
    if name.startswith("review_hypopg_") and _hypopg_version(conn) < (1, 4):
        # hypopg_hide_index arrived with HypoPG 1.4; the caller's fallback relies on this error
        with pytest.raises(psycopg.errors.UndefinedFunction):
            _run(conn, name, schemas, ctx)
        return
    _run(conn, name, schemas, ctx)


def test_every_query_is_covered() -> None:
    """A query with parameters needs a Case; cases must not outlive their query files."""
    names = set(queries.names())
    assert set(CASES) <= names, f"cases for missing queries: {sorted(set(CASES) - names)}"
    missing = sorted(n for n in names if _has_params(n) and n not in CASES)
    assert not missing, f"add a Case to tests/test_versions.py for: {missing}"


def test_queries_are_one_statement_and_catalog_qualified() -> None:
    """One statement per file; catalog objects named through pg_catalog (search_path-proof)."""
    from pglast import parse_sql

    for name in queries.names():
        text = queries.load(name).as_string().replace("{statement}", "SELECT 1")  # a whole one
        text = re.sub(r"\{(\w+)\}", r"\1", text)
        text = _PLACEHOLDER.sub("NULL", text)
        assert len(parse_sql(text)) == 1, name
        text = re.sub(r"--[^\n]*|'[^']*'", "", text)  # comments and literals
        bare = re.findall(
            r"(?<![\w.])(pg_(?:class|index|namespace|attribute|stats?|proc|locks|database))\b", text
        )
        assert not bare, f"queries/{name}.sql names {bare} without pg_catalog."
