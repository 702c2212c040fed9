"""The index review on a real database: every kind found, nothing enforced ever proposed, and the
drop / restore migrations round-trip to the same catalog."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from advisor.catalog.indexes import read_indexes, split_node_list
from advisor.collect.catalog import Catalog, read_catalog
from advisor.db import session
from advisor.localdb.cluster import find_bindir
from advisor.model import Finding
from advisor.review import (
    CHECKS,
    index_stats_age,
    price_drops,
    replica_index_scans,
    replica_scans_by_oid,
    review,
)
from advisor.review.migrations import write_drop_migrations
from advisor.whatif.explain import Explainer, used_index_names
from advisor.whatif.hypopg import HypoPG

SCHEMA = """
CREATE TABLE dup (id bigint, code text, note text);
CREATE INDEX dup_code_a ON dup (code);
CREATE INDEX dup_code_b ON dup(   code   );
CREATE INDEX dup_code_pattern ON dup (code text_pattern_ops);
CREATE INDEX dup_code_c_collation ON dup (code COLLATE "C");
CREATE INDEX dup_code_desc ON dup (code DESC);
CREATE INDEX dup_lower_a ON dup (lower(note));
CREATE INDEX dup_lower_b ON dup (  lower(  note )  );
CREATE INDEX dup_note ON dup (note);
CREATE INDEX dup_note_partial ON dup (note) WHERE id > 0;
CREATE INDEX dup_code_hash ON dup USING hash (code);

CREATE TABLE red (a int, b int, c int);
CREATE INDEX red_a ON red (a);
CREATE INDEX red_ab ON red (a, b);
CREATE INDEX red_b ON red (b);
CREATE INDEX red_a_include_c ON red (a) INCLUDE (c);
CREATE INDEX red_a_desc ON red (a DESC);
CREATE INDEX red_ab_partial ON red (a, b) WHERE c > 0;
CREATE INDEX red_a_partial ON red (a) WHERE c > 0;

CREATE TABLE uniq (id bigint PRIMARY KEY, email text NOT NULL, code text NOT NULL,
                   CONSTRAINT uniq_email_key UNIQUE (email));
CREATE UNIQUE INDEX uniq_id_again ON uniq (id);
CREATE INDEX uniq_email_plain ON uniq (email);
CREATE UNIQUE INDEX uniq_code_ri ON uniq (code);
ALTER TABLE uniq REPLICA IDENTITY USING INDEX uniq_code_ri;
CREATE UNIQUE INDEX uniq_code_standalone ON uniq (code, id);

CREATE TABLE inv (code text);
INSERT INTO inv VALUES ('x'), ('x'), ('y');

CREATE TABLE parent (id bigint PRIMARY KEY, x int, y int, UNIQUE (x, y));
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);
CREATE INDEX child_parent_partial ON child (parent_id) WHERE parent_id > 100;
CREATE TABLE child_only (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);
CREATE INDEX child_only_parent ON child_only (parent_id);
CREATE TABLE child_twice (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);
CREATE INDEX child_twice_a ON child_twice (parent_id);
CREATE INDEX child_twice_b ON child_twice (parent_id);
CREATE TABLE child_pair (a int, b int, c int, FOREIGN KEY (a, b) REFERENCES parent (x, y));
CREATE INDEX child_pair_bac ON child_pair (b, a, c);

CREATE TABLE used (id bigint, k int, pad text);
INSERT INTO used SELECT g, g % 1000, 'x' FROM generate_series(1, 20000) g;
CREATE INDEX used_k ON used (k);
CREATE SCHEMA other;
CREATE TABLE other.lookalike (k int);
CREATE INDEX used_k ON other.lookalike (k);

CREATE TABLE rep (k int);
INSERT INTO rep SELECT g FROM generate_series(1, 5000) g;
CREATE INDEX rep_k ON rep (k);
"""
USED_QUERY = "SELECT id FROM used WHERE k = 7"
ENFORCING = {
    "uniq_pkey", "uniq_email_key", "uniq_id_again", "uniq_code_ri", "uniq_code_standalone",
    "parent_pkey", "parent_x_y_key",
}  # fmt: skip


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA, hypopg=True)
    # A concurrent unique build meets a duplicate value: it fails and leaves an INVALID index.
    with pytest.raises(psycopg.errors.UniqueViolation):
        database.execute("CREATE UNIQUE INDEX CONCURRENTLY inv_code_uniq ON inv (code)")
    return database


@pytest.fixture
def conn(db: Any) -> Iterator[psycopg.Connection[Any]]:
    """The analysis session: read-only, as the advisor opens it."""
    connection = session.connect(db.dsn, statement_timeout_ms=10_000, lock_timeout_ms=1_000)
    yield connection
    connection.close()


def run_review(
    conn: psycopg.Connection[Any],
    *,
    catalog: Catalog | None = None,
    plan_usage: Mapping[str, tuple[str, ...]] | None = None,
    stats_age: float | None = None,
    min_age: float = 0.0,
    replica_scans: Mapping[int, int] | None = None,
) -> tuple[Finding, ...]:
    return review(
        conn,
        catalog or read_catalog(conn),
        plan_usage=plan_usage or {},
        stats_age_seconds=stats_age,
        min_stats_age_seconds=min_age,
        replica_scans=replica_scans,
    )


def by_index(findings: tuple[Finding, ...], table: str | None = None) -> dict[str, Finding]:
    return {f.index: f for f in findings if f.index and (table is None or f.table.name == table)}


def droppable(findings: tuple[Finding, ...]) -> set[str]:
    return {f.index for f in findings if f.index and f.drop_sql}


def test_reading_indexes_pins_the_search_path_only_while_it_reads(
    conn: psycopg.Connection[Any],
) -> None:
    """Definitions are printed against pg_catalog alone (every name outside it qualified), and the
    session's own search_path is back afterwards, after an error too: the analysis goes on to
    plan the workload's unqualified names with it."""
    mine = "public, pg_temp"
    session.set_config(conn, "search_path", mine)

    def current() -> str:
        row = conn.execute("SELECT pg_catalog.current_setting('search_path')").fetchone()
        assert row is not None
        return str(row[0])

    definitions = {i.name: i.definition for i in read_indexes(conn)}
    assert current() == mine
    assert "ON public.dup USING btree (code text_pattern_ops)" in definitions["dup_code_pattern"]
    with pytest.raises(psycopg.errors.NumericValueOutOfRange):
        read_indexes(conn, table_oid=2**40)  # no such oid: the read fails after the pin
    assert current() == mine


def test_every_registered_check_is_documented() -> None:
    kinds = [c.kind for c in CHECKS]
    assert kinds == ["invalid", "duplicate", "redundant", "unused", "fk_without_index"]
    for check in CHECKS:
        words = check.doc.split()
        assert len(words) >= 60, f"{check.kind}: say what it flags, the bad and the good shape"
        assert "Bad:" in check.doc and "Good:" in check.doc, check.kind


def test_duplicates_compare_structure_not_names_or_spacing(
    conn: psycopg.Connection[Any],
) -> None:
    found = by_index(run_review(conn), "dup")
    duplicates = {name for name, f in found.items() if f.kind == "duplicate"}
    # one of each identical pair goes (the newer one: neither is scanned, the older stays)
    assert duplicates == {"dup_code_b", "dup_lower_b"}
    assert "dup_code_a" in found["dup_code_b"].detail
    # another opclass, collation, order, predicate or method is not a duplicate
    for name in ("dup_code_pattern", "dup_code_c_collation", "dup_code_desc", "dup_note_partial",
                 "dup_code_hash", "dup_code_a", "dup_lower_a"):  # fmt: skip
        assert name not in found or found[name].kind != "duplicate", name
    assert found["dup_code_b"].safe is True and found["dup_code_b"].drop_sql


def test_redundant_prefix(conn: psycopg.Connection[Any]) -> None:
    found = by_index(run_review(conn), "red")
    redundant = {name for name, f in found.items() if f.kind == "redundant"}
    # (a) leads (a, b) and (a) INCLUDE (c); a partial index is covered by the same keys with the
    # same predicate or none: (a) WHERE c > 0 by (a, b) WHERE c > 0, that one by (a, b)
    assert redundant == {"red_a", "red_a_partial", "red_ab_partial"}
    assert "red_ab" in found["red_a"].detail
    # (b) is not a leading prefix, DESC is another order, INCLUDE (c) is stored nowhere else,
    # and a partial index does not cover a full one
    for name in ("red_b", "red_a_desc", "red_a_include_c", "red_ab"):
        assert name not in found, name


def test_enforcing_indexes_are_never_proposed(conn: psycopg.Connection[Any]) -> None:
    findings = run_review(conn, stats_age=10**9, min_age=0)
    named = {f.index for f in findings if f.index}
    assert not named & ENFORCING
    uniq = by_index(findings, "uniq")
    # the plain index beside the unique constraint is the one that goes
    assert uniq["uniq_email_plain"].kind == "duplicate" and uniq["uniq_email_plain"].drop_sql


def test_replica_identity_is_protected_by_name(conn: psycopg.Connection[Any]) -> None:
    from advisor.catalog.indexes import read_indexes
    from advisor.review.facts import protection

    indexes = {i.name: i for i in read_indexes(conn)}
    assert protection(indexes["uniq_code_ri"]) == "it is the table's replica identity"
    assert protection(indexes["uniq_email_key"]) == "it backs constraint uniq_email_key"
    assert protection(indexes["uniq_code_standalone"]) == "it is unique: it enforces uniqueness"
    assert protection(indexes["uniq_email_plain"]) is None


def test_invalid_index_from_a_failed_concurrent_build(
    db: Any, conn: psycopg.Connection[Any]
) -> None:
    (valid,) = db.execute(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'inv_code_uniq'::regclass"
    )
    assert valid == (False,)
    finding = by_index(run_review(conn), "inv")["inv_code_uniq"]
    assert finding.kind == "invalid" and finding.safe is True
    assert finding.drop_sql == "DROP INDEX CONCURRENTLY IF EXISTS public.inv_code_uniq"
    assert finding.create_sql == finding.restore_sql
    assert finding.create_sql is not None and "UNIQUE INDEX CONCURRENTLY IF NOT EXISTS" in (
        finding.create_sql
    )


def test_foreign_keys_without_an_index(db: Any, conn: psycopg.Connection[Any]) -> None:
    findings = run_review(conn)
    fks = [f for f in findings if f.kind == "fk_without_index"]
    # child's only index is partial; child_pair's (b, a, c) serves (a, b) in any order
    assert [f.table.name for f in fks] == ["child"]
    (fk,) = fks
    assert fk.index is None and "child_parent_id_fkey" in fk.detail
    assert fk.create_sql == (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS child_parent_id_idx ON public.child "
        "USING btree (parent_id)"
    )
    db.execute(fk.create_sql)
    try:
        assert not [f for f in run_review(conn) if f.kind == "fk_without_index"]
        (valid,) = db.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'child_parent_id_idx'::regclass"
        )
        assert valid == (True,)
    finally:
        db.execute("DROP INDEX child_parent_id_idx")


def test_unused_needs_old_enough_statistics(conn: psycopg.Connection[Any]) -> None:
    age = index_stats_age(conn)
    assert age is not None and age >= 0
    old_enough = run_review(conn, stats_age=age, min_age=0)
    unused = {f.index for f in old_enough if f.kind == "unused"}
    assert {"dup_note", "red_ab", "child_parent_partial"} <= unused
    detail = by_index(old_enough)["child_parent_partial"].detail
    assert "idx_scan = 0" in detail and "of statistics" in detail
    # an expression index takes its expression statistics with it, unless its twin stays
    assert by_index(old_enough)["dup_lower_b"].safe is True
    lower_a = by_index(old_enough)["dup_lower_a"]
    assert lower_a.drop_sql and lower_a.safe is False and "CREATE STATISTICS" in lower_a.detail
    too_young = run_review(conn, stats_age=age, min_age=30 * 86400)
    assert not [f for f in too_young if f.kind == "unused"]
    unknown = run_review(conn, stats_age=None, min_age=0)
    assert not [f for f in unknown if f.kind == "unused"]


def test_the_only_index_of_a_foreign_key_stays(conn: psycopg.Connection[Any]) -> None:
    findings = run_review(conn, stats_age=10**9, min_age=0)
    only = by_index(findings, "child_only")["child_only_parent"]
    assert only.kind == "unused" and only.drop_sql is None and only.safe is False
    assert "only index left for foreign key child_only_parent_id_fkey" in only.detail
    twice = by_index(findings, "child_twice")
    # two identical indexes serve the foreign key: one may go, never both
    assert len(droppable(tuple(twice.values()))) == 1
    # two unused twins without a foreign key may both go: each is unused on its own
    assert {"dup_code_a", "dup_code_b"} <= droppable(findings)


def test_an_index_a_drop_relies_on_stays(conn: psycopg.Connection[Any]) -> None:
    catalog = read_catalog(conn)
    oids = {i.name: i.oid for indexes in catalog.indexes.values() for i in indexes}
    # red_a is read (here: on a replica), so it goes only because (a, b) or (a) INCLUDE (c)
    # can take its scans: both are unused, and one of them must stay
    findings = run_review(
        conn, catalog=catalog, stats_age=10**9, min_age=0, replica_scans={oids["red_a"]: 5}
    )
    red = by_index(findings, "red")
    assert red["red_a"].kind == "redundant" and red["red_a"].drop_sql
    kept = [n for n in ("red_ab", "red_a_include_c") if red[n].drop_sql is None]
    assert len(kept) == 1 and "dropping red_a relies on it" in red[kept[0]].detail


def test_index_read_by_a_workload_plan_is_not_safe(db: Any, conn: psycopg.Connection[Any]) -> None:
    (row,) = db.execute(f"EXPLAIN (FORMAT JSON) {USED_QUERY}")
    used = used_index_names(row[0][0]["Plan"])
    assert used == {"used_k"}
    plan_usage = {name: (USED_QUERY,) for name in used}
    findings = run_review(conn, plan_usage=plan_usage, stats_age=10**9, min_age=0)
    mine = [f for f in findings if f.index == "used_k"]
    # same name in two schemas: plans do not say which, so neither is called safe
    assert {f.table.schema for f in mine} == {"public", "other"}
    for finding in mine:
        assert finding.kind == "unused" and finding.safe is False
        assert finding.statements == (USED_QUERY,)
    assert by_index(findings, "child")["child_parent_partial"].safe is True


def _wait_for_scans(dsn: str, key: tuple[str, str]) -> dict[tuple[str, str], int]:
    deadline = time.monotonic() + 10
    while True:
        counts = replica_index_scans(dsn)
        if counts.get(key, 0) > 0 or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


def test_scans_counted_by_a_replica_keep_an_index(db: Any, conn: psycopg.Connection[Any]) -> None:
    catalog = read_catalog(conn)  # before the scans: here rep_k has never been read
    assert "rep_k" in {f.index for f in run_review(conn, catalog=catalog, stats_age=10**9)}
    with psycopg.connect(db.dsn, autocommit=True) as reader:
        reader.execute("SET enable_seqscan = off")
        reader.execute("SELECT k FROM rep WHERE k = 42").fetchall()
    # the server counting the scans stands in for a read replica: same view, same session rules
    counts = _wait_for_scans(db.dsn, ("public", "rep_k"))
    assert counts[("public", "rep_k")] >= 1
    by_oid = replica_scans_by_oid(catalog, [counts])
    findings = run_review(conn, catalog=catalog, stats_age=10**9, replica_scans=by_oid)
    assert "rep_k" not in {f.index for f in findings if f.kind == "unused"}


def test_drop_pricing_falls_back_without_hypopg_hide_index(
    conn: psycopg.Connection[Any],
) -> None:
    row = conn.execute(
        "SELECT e.extversion, n.nspname, current_setting('server_version_num')::int "
        "FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'hypopg'"
    ).fetchone()
    assert row is not None
    version, schema, version_num = row
    hypo = HypoPG(conn, schema, version)
    if hypo.can_hide:
        pytest.fail(f"HypoPG {version} can hide indexes: this test covers the fallback only")
    catalog = read_catalog(conn)
    priced = price_drops(
        conn, hypo, Explainer(conn, version_num), catalog,
        plan_usage={"used_k": (USED_QUERY,)}, workload=(),
    )  # fmt: skip
    assert priced is None


def _psql(dsn: str, path: Path) -> None:
    subprocess.run(
        [str(find_bindir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f",
         str(path)],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


ROUND_TRIP_SCHEMA = """
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema".rt (t text, n int, p int);
CREATE INDEX "Weird Idx" ON "Odd Schema".rt
    (lower(t) text_pattern_ops DESC NULLS LAST, n) INCLUDE (p) WITH (fillfactor = 70)
    WHERE n > 0;
CREATE INDEX rt_t_c ON "Odd Schema".rt (t COLLATE "C");
"""
DEFINITIONS = """
SELECT c.relname, pg_get_indexdef(c.oid), c.reltablespace, i.indisvalid, i.indisready
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = '"Odd Schema".rt'::regclass ORDER BY c.relname
"""


def test_drop_and_restore_migrations_round_trip(make_db: Any, tmp_path: Path) -> None:
    db = make_db(ROUND_TRIP_SCHEMA, hypopg=False)
    # pg_get_indexdef leaves the tablespace out: the restore must put it back
    space = sql.Identifier(f"advisor ts {db.name}")
    with psycopg.connect(db.dsn, autocommit=True) as admin:
        admin.execute("SET allow_in_place_tablespaces = on")
        admin.execute(sql.SQL("CREATE TABLESPACE {} LOCATION ''").format(space))
        try:
            admin.execute(
                sql.SQL('CREATE INDEX rt_n ON "Odd Schema".rt (n) TABLESPACE {}').format(space)
            )
            _round_trip(db, tmp_path)
        finally:
            admin.execute('DROP INDEX IF EXISTS "Odd Schema".rt_n')
            admin.execute(sql.SQL("DROP TABLESPACE {}").format(space))


def _round_trip(db: Any, tmp_path: Path) -> None:
    before = db.execute(DEFINITIONS)
    assert [r[0] for r in before if r[2] != 0] == ["rt_n"]
    with session.connect(db.dsn, statement_timeout_ms=10_000, lock_timeout_ms=1_000) as conn:
        findings = run_review(conn, stats_age=10**9, min_age=0)
    assert droppable(findings) == {"Weird Idx", "rt_n", "rt_t_c"}
    weird = by_index(findings)["Weird Idx"]
    assert weird.drop_sql == 'DROP INDEX CONCURRENTLY IF EXISTS "Odd Schema"."Weird Idx"'
    (tmp_path / "001_create_x.up.sql").write_text("SELECT 1;\n")
    (tmp_path / "001_create_x.down.sql").write_text("SELECT 1;\n")
    # its expression statistics go with it: reported, written only when asked for
    assert weird.safe is False and "CREATE STATISTICS" in weird.detail
    assert "Weird Idx" not in {f.index for f in findings if f.safe}
    written = write_drop_migrations(tmp_path, findings, include_unsafe=True)
    names = [p.name for p in written]
    assert names == [
        "002_drop_weird_idx.up.sql", "002_drop_weird_idx.down.sql",
        "003_drop_rt_n.up.sql", "003_drop_rt_n.down.sql",
        "004_drop_rt_t_c.up.sql", "004_drop_rt_t_c.down.sql",
    ]  # fmt: skip
    up = written[0].read_text()
    assert weird.restore_sql is not None and weird.restore_sql in up
    assert "unused" in up and "NOT SAFE: no workload plan reads it" in up
    assert "safe: no generic plan of the analysed workload reads it" in written[2].read_text()
    for path in written[0::2]:  # up: drop, twice (IF EXISTS)
        _psql(db.dsn, path)
        _psql(db.dsn, path)
    assert db.execute(DEFINITIONS) == []
    for path in written[1::2]:  # down: restore, twice (IF NOT EXISTS)
        _psql(db.dsn, path)
        _psql(db.dsn, path)
    assert db.execute(DEFINITIONS) == before


def test_unsafe_drops_are_not_written(tmp_path: Path) -> None:
    from advisor.model import TableRef

    unsafe = Finding(
        "unused", TableRef("public", "t"), "t_k", 8192, "no scan",
        drop_sql="DROP INDEX CONCURRENTLY IF EXISTS public.t_k",
        restore_sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS t_k ON public.t USING btree (k)",
        safe=False, statements=("SELECT 1 FROM t WHERE k = $1",),
    )  # fmt: skip
    assert write_drop_migrations(tmp_path, [unsafe]) == []
    written = write_drop_migrations(tmp_path, [unsafe], include_unsafe=True)
    assert [p.name for p in written] == ["001_drop_t_k.up.sql", "001_drop_t_k.down.sql"]
    assert "NOT SAFE" in written[0].read_text()


def test_node_lists_split_at_top_level_only() -> None:
    tree = r"({FUNCEXPR :args ({VAR :varno 1}) } {CONST :constvalue 1 [ 123 ] :x \{ })"
    assert split_node_list(tree) == (
        "{FUNCEXPR :args ({VAR :varno 1}) }",
        r"{CONST :constvalue 1 [ 123 ] :x \{ }",
    )
    assert split_node_list(None) == ()


def test_an_unreachable_replica_is_a_connection_failure(db: Any) -> None:
    from advisor.errors import ConnectionFailed

    dsn = db.server.dsn(db.name, port="1", password="s3cret-word")
    with pytest.raises(ConnectionFailed) as caught:
        replica_index_scans(dsn)
    assert caught.value.exit_code == 4 and "s3cret-word" not in str(caught.value)
