"""Every migration fix, run on a real table with rows: the original migration on one copy of the
schema, the fix on another, and the two catalogs compared (columns, types, nullability,
defaults, identities, constraints and whether they are validated, indexes, owned sequences,
partitions, domain constraints). A fix that only makes a statement safe must end with exactly
the catalog of the original; a fix that changes the design (bigint keys, timestamptz, ...) must
differ by exactly what it says, and nothing else."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pglast import parse_sql
from psycopg import sql

from advisor.lint.config import LintConfig
from advisor.lint.migration.run import lint

BASE = """
CREATE TABLE parent (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label text);
INSERT INTO parent (label) SELECT 'p' || g FROM generate_series(1, 50) g;
CREATE TABLE t (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id bigint,
    amount numeric(12, 2),
    email varchar(40),
    note text,
    n integer
);
INSERT INTO t (parent_id, amount, email, note, n)
SELECT 1 + g % 50, g, 'u' || g || '@x.io', 'x' || g % 7, g FROM generate_series(1, 1000) g;
CREATE INDEX t_note_idx ON t (note);
CREATE TABLE bare (k bigint NOT NULL, label text);
INSERT INTO bare SELECT g, 'b' || g FROM generate_series(1, 500) g;
CREATE DOMAIN posint AS integer;
CREATE TABLE uses_domain (id bigint PRIMARY KEY, v posint);
INSERT INTO uses_domain SELECT g, g FROM generate_series(1, 300) g;
CREATE TABLE ev (id bigint NOT NULL, at date NOT NULL, PRIMARY KEY (id, at))
    PARTITION BY RANGE (at);
CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO ev SELECT g, date '2024-06-01' + g FROM generate_series(1, 400) g;
CREATE TABLE kid (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);
INSERT INTO kid SELECT g, 1 + g % 50 FROM generate_series(1, 100) g;
"""

SNAPSHOT = """
SELECT 'column', c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       a.attnotnull::text, COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid), ''),
       a.attidentity::text || a.attgenerated::text
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind IN ('r', 'p')
   AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', COALESCE(c.relname, ty.typname), k.conname, k.contype::text,
       pg_catalog.pg_get_constraintdef(k.oid), k.convalidated::text, ''
  FROM pg_catalog.pg_constraint k
  LEFT JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
  LEFT JOIN pg_catalog.pg_type ty ON ty.oid = k.contypid
 WHERE k.connamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'index', c.relname, i.relname, pg_catalog.pg_get_indexdef(x.indexrelid),
       x.indisvalid::text, x.indisprimary::text, x.indisunique::text
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
  JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
 WHERE c.relnamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'sequence', s.relname, pg_catalog.format_type(q.seqtypid, NULL),
       COALESCE(t.relname || '.' || a.attname, ''), d.deptype::text, '', ''
  FROM pg_catalog.pg_class s
  JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid
  LEFT JOIN pg_catalog.pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
 WHERE s.relnamespace = %(ns)s::regnamespace AND s.relkind = 'S'
UNION ALL
SELECT 'partition', p.relname, c.relname, c.relispartition::text, '', '', ''
  FROM pg_catalog.pg_class c
  LEFT JOIN pg_catalog.pg_inherits h ON h.inhrelid = c.oid
  LEFT JOIN pg_catalog.pg_class p ON p.oid = h.inhparent
 WHERE c.relnamespace = %(ns)s::regnamespace AND c.relname LIKE 'ev%%' AND c.relkind = 'r'
"""
COUNTS = ("parent", "t", "bare", "uses_domain", "ev", "kid")


def snapshot(conn: psycopg.Connection[Any], schema: str) -> set[tuple[str, ...]]:
    """The catalog of ``schema``, names unqualified (the schema is the search path)."""
    conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))
    rows = conn.execute(SNAPSHOT, {"ns": schema}).fetchall()
    for table in COUNTS:
        query = sql.SQL("SELECT 'rows', %s, count(*) FROM {}").format(sql.Identifier(table))
        rows += conn.execute(query, [table]).fetchall()
    return {tuple(str(v) for v in r) for r in rows}


def run_script(conn: psycopg.Connection[Any], schema: str, script: str) -> None:
    """Statement by statement, in autocommit: CREATE INDEX CONCURRENTLY and a backfill that
    commits its batches need it."""
    conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))
    for raw in parse_sql(script):
        conn.execute(script[raw.stmt_location : raw.stmt_location + raw.stmt_len])


@dataclass(frozen=True)
class Case:
    rule: str
    migration: str
    # the catalog rows the fix removes and adds compared with the original ("" : none)
    removed: frozenset[tuple[str, ...]] = field(default_factory=frozenset)
    added: frozenset[tuple[str, ...]] = field(default_factory=frozenset)
    dsn: bool = False  # lint with --dsn (the fix needs the live catalog)
    twice: bool = False  # the fixed migration must also run a second time (not-rerunnable)
    appends: bool = False  # the fix comes after the statement (an index, a key), not instead


def col(
    table: str, name: str, type_: str, notnull: bool, default: str = "", flags: str = ""
) -> tuple[str, ...]:
    return ("column", table, name, type_, str(notnull).lower(), default, flags)


CASES = {
    # making a statement safe: the catalog must end exactly as the original's
    "volatile default, NOT NULL": Case(
        "volatile-default",
        "ALTER TABLE t ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();",
    ),
    "volatile default with every constraint": Case(
        "volatile-default",
        "ALTER TABLE t ADD COLUMN ref uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE"
        " CHECK (ref <> '00000000-0000-0000-0000-000000000000');",
    ),
    "serial column": Case("volatile-default", "ALTER TABLE t ADD COLUMN seq bigserial;"),
    "serial primary key": Case(
        "unique-constraint-without-index", "ALTER TABLE bare ADD COLUMN id serial PRIMARY KEY;"
    ),
    "identity column": Case(
        "volatile-default", "ALTER TABLE bare ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;"
    ),
    "unnamed CHECK": Case("add-check-validates", "ALTER TABLE t ADD CHECK (amount >= 0);"),
    "CHECK on two columns": Case(
        "add-check-validates", "ALTER TABLE t ADD CONSTRAINT t_sane CHECK (n > 0 AND amount > 0);"
    ),
    "column with CHECK": Case(
        "add-check-validates", "ALTER TABLE t ADD COLUMN score integer CHECK (score >= 0);"
    ),
    "foreign key": Case(
        "add-foreign-key-validates",
        "ALTER TABLE t ADD FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE;",
    ),
    "column with REFERENCES": Case(
        "add-foreign-key-validates",
        "ALTER TABLE t ADD COLUMN owner_id bigint REFERENCES parent (id);",
    ),
    "SET NOT NULL": Case("set-not-null-scan", "ALTER TABLE t ALTER COLUMN email SET NOT NULL;"),
    "UNIQUE": Case("unique-constraint-without-index", "ALTER TABLE t ADD UNIQUE (email);"),
    "named UNIQUE on two columns": Case(
        "unique-constraint-without-index",
        "ALTER TABLE t ADD CONSTRAINT t_note_n UNIQUE (note, n);",
    ),
    "PRIMARY KEY": Case("unique-constraint-without-index", "ALTER TABLE bare ADD PRIMARY KEY (k);"),
    "column with UNIQUE": Case(
        "unique-constraint-without-index", "ALTER TABLE t ADD COLUMN code text UNIQUE;"
    ),
    "CREATE INDEX": Case(
        "create-index-not-concurrently", "CREATE INDEX t_email_idx ON t (email) WHERE n > 10;"
    ),
    "DROP INDEX": Case("drop-index-not-concurrently", "DROP INDEX t_note_idx;"),
    "REINDEX": Case("reindex-not-concurrently", "REINDEX INDEX t_note_idx;"),
    "DETACH PARTITION": Case(
        "detach-partition-not-concurrently",
        "ALTER TABLE ev DETACH PARTITION ev_2024;",
        # PostgreSQL keeps the partition's bounds on the detached table as a CHECK
        added=frozenset(
            {
                (
                    "constraint",
                    "ev_2024",
                    "ev_2024_at_check",
                    "c",
                    "CHECK (((at IS NOT NULL) AND (at >= '2024-01-01'::date)"
                    " AND (at < '2025-01-01'::date)))",
                    "true",
                    "",
                )
            }
        ),
    ),
    "ALTER DOMAIN ADD CONSTRAINT": Case(
        "alter-domain-add-constraint",
        "ALTER DOMAIN posint ADD CONSTRAINT posint_check CHECK (VALUE > 0);",
    ),
    "TRUNCATE CASCADE": Case("truncate-cascade", "TRUNCATE parent CASCADE;", dsn=True),
    "not rerunnable": Case(
        "not-rerunnable",
        "ALTER TABLE t ADD COLUMN tag text, ADD CHECK (char_length(tag) < 50);\n"
        "CREATE INDEX ON t (tag);\nDROP INDEX t_note_idx;\n"
        "CREATE TABLE IF NOT EXISTS extra (id bigint PRIMARY KEY);",
        twice=True,
    ),
    "lock timeout": Case(
        "missing-lock-timeout", "ALTER TABLE t ADD COLUMN flag boolean;", appends=True
    ),
    "statement timeout": Case(
        "missing-statement-timeout",
        "SET lock_timeout = '5s';\nALTER TABLE t ALTER COLUMN n TYPE bigint;",
        appends=True,
    ),
    # design fixes: they differ from the original by what they say, nothing else
    "integer key": Case(
        "int-key",
        "CREATE TABLE posts (id integer PRIMARY KEY, body text NOT NULL);",
        removed=frozenset({col("posts", "id", "integer", True)}),
        added=frozenset({col("posts", "id", "bigint", True)}),
    ),
    "integer foreign key column": Case(
        "int-key",
        "ALTER TABLE bare ADD COLUMN parent_id integer REFERENCES parent;",
        removed=frozenset({col("bare", "parent_id", "integer", False)}),
        added=frozenset({col("bare", "parent_id", "bigint", False)}),
    ),
    "serial key": Case(
        "int-key",
        "CREATE TABLE tags (id serial PRIMARY KEY, label text NOT NULL);",
        removed=frozenset(
            {
                col("tags", "id", "integer", True, "nextval('tags_id_seq'::regclass)"),
                ("sequence", "tags_id_seq", "integer", "tags.id", "a", "", ""),
            }
        ),
        added=frozenset(
            {
                col("tags", "id", "bigint", True, "nextval('tags_id_seq'::regclass)"),
                ("sequence", "tags_id_seq", "bigint", "tags.id", "a", "", ""),
            }
        ),
    ),
    "serial to identity": Case(
        "prefer-identity",
        "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);",
        removed=frozenset(
            {
                col("users", "id", "bigint", True, "nextval('users_id_seq'::regclass)"),
                ("sequence", "users_id_seq", "bigint", "users.id", "a", "", ""),
            }
        ),
        added=frozenset(
            {
                col("users", "id", "bigint", True, "", "d"),
                ("sequence", "users_id_seq", "bigint", "users.id", "i", "", ""),
            }
        ),
    ),
    "timestamp column": Case(
        "timestamp-without-time-zone",
        "ALTER TABLE t ADD COLUMN seen_at timestamp CHECK (seen_at > '2000-01-01');",
        removed=frozenset(
            {
                col("t", "seen_at", "timestamp without time zone", False),
                (
                    "constraint",
                    "t",
                    "t_seen_at_check",
                    "c",
                    "CHECK ((seen_at > '2000-01-01 00:00:00'::timestamp without time zone))",
                    "true",
                    "",
                ),
            }
        ),
        added=frozenset(
            {
                col("t", "seen_at", "timestamp with time zone", False),
                (
                    "constraint",
                    "t",
                    "t_seen_at_check",
                    "c",
                    "CHECK ((seen_at > '2000-01-01 00:00:00+00'::timestamp with time zone))",
                    "true",
                    "",
                ),
            }
        ),
    ),
    "money in real": Case(
        "money-float-type",
        "CREATE TABLE orders (id bigint PRIMARY KEY,"
        " unit_price real NOT NULL CHECK (unit_price >= 0));",
        removed=frozenset(
            {
                col("orders", "unit_price", "real", True),
                (
                    "constraint",
                    "orders",
                    "orders_unit_price_check",
                    "c",
                    "CHECK ((unit_price >= (0)::double precision))",
                    "true",
                    "",
                ),
            }
        ),
        added=frozenset(
            {
                col("orders", "unit_price", "numeric(19,4)", True),
                (
                    "constraint",
                    "orders",
                    "orders_unit_price_check",
                    "c",
                    "CHECK ((unit_price >= (0)::numeric))",
                    "true",
                    "",
                ),
            }
        ),
    ),
    "money in plain numeric": Case(
        "money-numeric-unbounded",
        "ALTER TABLE t ADD COLUMN total numeric NOT NULL DEFAULT 0;",
        removed=frozenset({col("t", "total", "numeric", True, "0")}),
        added=frozenset({col("t", "total", "numeric(19,4)", True, "0")}),
    ),
    "char column": Case(
        "char-type",
        "CREATE TABLE countries (id bigint PRIMARY KEY, code char(2) NOT NULL UNIQUE);",
        removed=frozenset({col("countries", "code", "character(2)", True)}),
        added=frozenset(
            {
                col("countries", "code", "text", True),
                (
                    "constraint",
                    "countries",
                    "countries_code_check",
                    "c",
                    "CHECK ((char_length(code) <= 2))",
                    "true",
                    "",
                ),
            }
        ),
    ),
    "varchar column": Case(
        "prefer-text",
        "ALTER TABLE t ADD COLUMN handle varchar(30) NOT NULL DEFAULT 'x';",
        removed=frozenset(
            {col("t", "handle", "character varying(30)", True, "'x'::character varying")}
        ),
        added=frozenset(
            {
                col("t", "handle", "text", True, "'x'::text"),
                (
                    "constraint",
                    "t",
                    "t_handle_check",
                    "c",
                    "CHECK ((char_length(handle) <= 30))",
                    "true",
                    "",
                ),
            }
        ),
    ),
    "foreign key without index": Case(
        "fk-without-index",
        "CREATE TABLE notes (id bigint PRIMARY KEY, t_id bigint NOT NULL REFERENCES t);",
        added=frozenset(
            {
                (
                    "index",
                    "notes",
                    "notes_t_id_idx",
                    "CREATE INDEX notes_t_id_idx ON {schema}.notes USING btree (t_id)",
                    "true",
                    "false",
                    "false",
                )
            }
        ),
        appends=True,
    ),
    "table without primary key": Case(
        "no-primary-key",
        "CREATE TABLE page_views (page text NOT NULL, viewed_at timestamptz NOT NULL);",
        added=frozenset(
            {
                col("page_views", "id", "bigint", True, "", "a"),
                (
                    "constraint",
                    "page_views",
                    "page_views_pkey",
                    "p",
                    "PRIMARY KEY (id)",
                    "true",
                    "",
                ),
                (
                    "index",
                    "page_views",
                    "page_views_pkey",
                    "CREATE UNIQUE INDEX page_views_pkey ON {schema}.page_views USING btree (id)",
                    "true",
                    "true",
                    "true",
                ),
                ("sequence", "page_views_id_seq", "bigint", "page_views.id", "i", "", ""),
            }
        ),
        appends=True,
    ),
}
_number = itertools.count(1)


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    return make_db("", hypopg=False)


def _schemas(db: Any) -> tuple[str, str]:
    n = next(_number)
    original, fixed = f"fix{n}_orig", f"fix{n}_fixed"
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for schema in (original, fixed):
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))
            conn.execute(BASE)
            conn.execute("ANALYZE")
    return original, fixed


def _unqualified(rows: set[tuple[str, ...]], schema: str) -> set[tuple[str, ...]]:
    return {tuple(v.replace(f"{schema}.", "{schema}.") for v in r) for r in rows}


@pytest.mark.parametrize("name", list(CASES))
def test_fix_ends_with_the_schema_the_author_wrote(name: str, db: Any, tmp_path: Path) -> None:
    case = CASES[name]
    original, fixed = _schemas(db)
    path = tmp_path / "m.sql"
    path.write_text(case.migration + "\n")
    if case.dsn:
        dsn = f"{db.dsn} options='-c search_path={fixed}'"
        report = lint([path], LintConfig(), dsn=dsn, use_database=True)
    else:
        report = lint([path], LintConfig())
    fixes = {f.line: f.fix_sql for f in report.findings if f.rule == case.rule and f.fix_sql}
    assert fixes, f"{case.rule} gave no fix: {[(f.rule, f.detail) for f in report.findings]}"
    assert len(fixes) == len([f for f in report.findings if f.rule == case.rule])
    script = fixed_migration(case, fixes)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        run_script(conn, original, case.migration)
        for _ in range(2 if case.twice else 1):
            run_script(conn, fixed, script)
        before = _unqualified(snapshot(conn, original), original)
        after = _unqualified(snapshot(conn, fixed), fixed)
    assert (before - after, after - before) == (set(case.removed), set(case.added))


def fixed_migration(case: Case, fixes: dict[int | None, str]) -> str:
    """The migration with each flagged statement replaced by its fix (or followed by it)."""
    out = []
    text = case.migration
    for raw in parse_sql(text):
        statement = text[raw.stmt_location : raw.stmt_location + raw.stmt_len].strip()
        line = text.count("\n", 0, text.index(statement, raw.stmt_location)) + 1
        statement += ";"
        fix = fixes.get(line)
        if fix is None:
            out.append(statement)
        else:
            out += [statement, fix] if case.appends else [fix]
    return "\n".join(out)
