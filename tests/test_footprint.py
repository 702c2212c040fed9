"""The analysis leaves pg_stat_statements to the workload (issue 16).

pg_stat_statements is a fixed-size table shared by the cluster: every entry the advisor adds can
evict one of the statements it exists to read. The analysis session turns tracking off where its
role may (a superuser, ``GRANT SET ON PARAMETER`` on 15+, ``ALTER ROLE ... SET``): then it adds
nothing. Where it may not, it plans through one fixed statement text and adds a fixed set of
entries, the same at every run; with ``track = all`` the server also records each planned
statement as a nested entry, and the report says so and what to grant.

Every count here is read through an untracked connection, by database (or on a cluster of the
test's own, from its own reset), so other tests' statements cannot move it.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from advisor.localdb.cluster import throwaway_cluster
from advisor.render import json as render_json
from advisor.render import text as render_text
from benchmarks.footprint import SCHEMA, run, set_track, workload
from tests.conftest import Database, Server, create_database

MAX_ADDED = 20  # the bound for one analysis, tracking off or not (a fixed set when on)
_roles = itertools.count(1)


def untracked(dsn: str) -> psycopg.Connection[Any]:
    """A connection pg_stat_statements does not see (superuser), to read the counts with."""
    return psycopg.connect(
        dsn, autocommit=True, options="-c pg_stat_statements.track=none", prepare_threshold=None
    )


Entries = dict[tuple[int, int, bool], str]  # (userid, queryid, toplevel) -> query


def entries(db: Database) -> Entries:
    """The pg_stat_statements entries of ``db``'s database."""
    with untracked(db.dsn) as conn:
        toplevel = "s.toplevel" if conn.info.server_version >= 140000 else "NULL::bool"
        rows = conn.execute(
            sql.SQL(
                "SELECT s.userid::int8, s.queryid, {}, s.query FROM pg_stat_statements s"
                " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s"
            ).format(sql.SQL(toplevel)),  # type: ignore[arg-type]
            (db.name,),
        ).fetchall()
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def all_entries(db: Database) -> tuple[int, int]:
    """(entries in the whole cluster, pg_stat_statements_info.dealloc)."""
    with untracked(db.dsn) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM pg_stat_statements),"
            " (SELECT dealloc FROM pg_stat_statements_info)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def reset_all(db: Database) -> None:
    """Every entry of the cluster gone (only on a cluster of the test's own)."""
    with untracked(db.dsn) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")


class Roles:
    """Login roles for one test, dropped (with their grants) afterwards."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.made: list[str] = []

    def make(self, db: Database, kind: str) -> str:
        """A role that reads the statistics and may plan ``db``'s tables, and may turn tracking
        off as ``kind`` says: ``plain`` (may not), ``granted`` (GRANT SET ON PARAMETER, 15+),
        ``role_setting`` (ALTER ROLE ... SET by a superuser)."""
        name = f"advisor_fp{next(_roles)}_{kind}"
        role = sql.Identifier(name)
        with psycopg.connect(self.server.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
            self.made.append(name)
            conn.execute(sql.SQL("GRANT pg_read_all_stats TO {}").format(role))
            if kind == "granted":
                conn.execute(
                    sql.SQL("GRANT SET ON PARAMETER pg_stat_statements.track TO {}").format(role)
                )
            elif kind == "role_setting":
                conn.execute(
                    sql.SQL("ALTER ROLE {} SET pg_stat_statements.track = 'none'").format(role)
                )
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(role))
        return name

    def drop(self) -> None:
        with psycopg.connect(self.server.admin_dsn, autocommit=True) as conn:
            version = conn.info.server_version
            for name in self.made:
                role = sql.Identifier(name)
                if version >= 150000:
                    conn.execute(
                        sql.SQL("REVOKE SET ON PARAMETER pg_stat_statements.track FROM {}").format(
                            role
                        )
                    )
                conn.execute(sql.SQL("DROP ROLE {}").format(role))


def as_role(db: Database, role: str) -> Database:
    """``db``, connected to as ``role``."""
    return Database(Server(db.server.dsn(db.name, user=role)), db.name)


def _drop(server: Server, databases: list[Database]) -> None:
    with psycopg.connect(server.admin_dsn, autocommit=True) as conn:
        for db in databases:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name))
            )


# -- a cluster whose pg_stat_statements holds 100 entries (the minimum) ---------------------------


@pytest.fixture(scope="module")
def small() -> Iterator[Server]:
    settings = {"pg_stat_statements.max": "100", "pg_stat_statements.track": "top"}
    with throwaway_cluster(prefix="advisor-footprint-", settings=settings) as cluster:
        yield Server(cluster.dsn(), cluster)


def test_a_full_small_pg_stat_statements_keeps_its_workload(small: Server) -> None:
    db = create_database(small, SCHEMA)
    reset_all(db)
    run(db.dsn, workload(90))
    before = entries(db)
    count, dealloc = all_entries(db)
    assert len(before) == count == 90  # the workload, and nothing else in the cluster

    report = db.analyze()

    after = entries(db)
    assert set(before) <= set(after)  # every workload entry is still there
    assert all_entries(db)[1] == dealloc  # nothing was evicted
    assert len(after) - len(before) <= MAX_ADDED
    assert after == before  # tracking was off: not a single entry of ours
    assert len(report.statements) + len(report.skipped) == 90
    assert report.footprint.tracking == "none" and report.footprint.note is None


def test_track_all_without_the_privilege_says_the_footprint_is_not_bounded(small: Server) -> None:
    """A role that may not turn tracking off, under ``track = all``: the server records every
    planned statement as a nested entry. The report says so, and what to grant."""
    set_track(small.admin_dsn, "all")
    roles = Roles(small)
    db = create_database(small, SCHEMA)
    try:
        plain = roles.make(db, "plain")
        reset_all(db)
        statements = workload(20)
        run(db.dsn, statements)
        before = entries(db)
        dealloc = all_entries(db)[1]

        report = as_role(db, plain).analyze()

        added = {k: q for k, q in entries(db).items() if k not in before}
        assert all_entries(db)[1] == dealloc
        assert report.footprint.tracking == "all" and not report.footprint.bounded
        assert report.footprint.note and "not bounded" in report.footprint.note
        grant = "GRANT SET ON PARAMETER pg_stat_statements.track TO"
        if small.version_num < 150000:
            grant = "SET pg_stat_statements.track = 'none'"
        assert grant in report.footprint.note
        doc = json.loads(render_json.render(report))["footprint"]
        assert doc["pg_stat_statements_track"] == "all" and doc["bounded"] is False
        assert grant in doc["grant"]
        text = " ".join(render_text.render(report).split())  # the note wraps to the width
        assert f"Note: {report.footprint.note}" in text
        # what the note promises: its own fixed set, plus one nested entry per planned statement
        nested = [q for (_, _, top), q in added.items() if top is False]
        planned = len(report.statements)
        assert planned == len(statements)
        assert len(added) - len(nested) <= MAX_ADDED
        assert planned <= len(nested) <= planned + 2  # + HypoPG's own catalog probe
    finally:
        set_track(small.admin_dsn, "top")
        _drop(small, [db])
        roles.drop()


# -- the suite's cluster (pg_stat_statements.max 10,000, track = top) ---------------------------


@pytest.fixture(scope="module")
def busy(pg_server: Server) -> Iterator[tuple[Database, Roles]]:
    """300 distinct statements in pg_stat_statements, and roles to analyse them as."""
    db = create_database(pg_server, SCHEMA)
    roles = Roles(pg_server)
    try:
        run(db.dsn, workload(300))
        yield db, roles
    finally:
        _drop(pg_server, [db])
        roles.drop()


@pytest.mark.parametrize("kind", ["superuser", "granted", "role_setting"])
def test_a_larger_workload_adds_nothing_when_tracking_can_be_turned_off(
    busy: tuple[Database, Roles], kind: str
) -> None:
    db, roles = busy
    if kind == "granted" and db.server.version_num < 150000:
        pytest.skip("GRANT SET ON PARAMETER arrived with PostgreSQL 15")
    target = db if kind == "superuser" else as_role(db, roles.make(db, kind))
    before = entries(db)
    assert len(before) >= 300

    # the whole workload once; the roles' ways of turning tracking off on a part of it
    report = target.analyze() if kind == "superuser" else target.analyze(top=40)

    after = entries(db)
    assert len(after) - len(before) <= MAX_ADDED
    assert after == before
    analysed = len(report.statements) + len(report.skipped)  # skipped: the fixture's own reset
    assert len(report.statements) == 300 if kind == "superuser" else analysed == 40
    assert report.footprint.tracking == "none"


def test_a_role_that_may_not_turn_tracking_off_adds_a_fixed_set(
    busy: tuple[Database, Roles],
) -> None:
    """Fallback (track = top): the advisor's own statements and a handful of EXPLAIN texts,
    the same set at every run whatever the workload's size; the report names the grant."""
    db, roles = busy
    plain = as_role(db, roles.make(db, "plain"))
    before = entries(db)

    small = plain.analyze(top=30)
    once = entries(db)
    full = plain.analyze()
    twice = entries(db)

    added = {k: q for k, q in twice.items() if k not in before}
    assert set(before) <= set(twice)
    assert 0 < len(added) <= MAX_ADDED
    # ten times the statements: at most a new parameter size class of EXPLAIN, nothing else
    grown = [q for k, q in twice.items() if k not in once]
    explain = re.compile(r'^EXPLAIN \((VERBOSE, )?FORMAT JSON\) EXECUTE "advisor_plan"\(')
    assert all(explain.match(q) for q in grown), grown
    explains = [q for q in added.values() if q.startswith("EXPLAIN")]
    assert 0 < len(explains) <= 3, explains  # one per parameter size class of the workload
    assert len(small.statements) + len(small.skipped) == 30 and len(full.statements) == 300
    assert full.footprint.tracking == "top" and full.footprint.bounded
    assert full.footprint.note and full.footprint.grant in full.footprint.note
