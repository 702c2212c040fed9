"""Fixtures own the database: a throwaway cluster for the session, a fresh database per scenario.

Backends, in order: ``ADVISOR_TEST_DSN`` names an existing server (superuser, with
pg_stat_statements preloaded and HypoPG installed); ``ADVISOR_TEST_DOCKER=1`` starts one with
testcontainers (needs a Docker engine, which our CI machines do not have); otherwise a local
cluster is made with initdb (as the ``postgres`` OS user when running as root). A missing
PostgreSQL is a failure, not a skip.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import conninfo, sql

from advisor.localdb.cluster import LocalCluster, reset_statistics, throwaway_cluster
from advisor.model import Report
from advisor.pipeline import analyze
from advisor.plan_file import save_plan
from advisor.settings import RunOptions
from advisor.sources.workload import SourceOptions

_counter = itertools.count(1)


@dataclass
class Server:
    """Where test databases are made: an admin DSN and a way to name a database on it."""

    admin_dsn: str
    cluster: LocalCluster | None = None

    def dsn(self, dbname: str, **extra: str) -> str:
        params = conninfo.conninfo_to_dict(self.admin_dsn)
        params["dbname"] = dbname
        params.update(extra)
        return conninfo.make_conninfo(**params)

    @property
    def version_num(self) -> int:
        with psycopg.connect(self.admin_dsn) as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
            assert row is not None
            return int(row[0])


def default_sigint() -> None:
    """``preexec_fn`` for a child the test stops with Ctrl-C: a shell running the suite in the
    background hands its children SIGINT ignored, and Python keeps an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _docker_server() -> Iterator[Server]:
    from testcontainers.postgres import PostgresContainer  # optional dependency

    image = os.environ.get("ADVISOR_TEST_IMAGE", "postgres:16")
    with PostgresContainer(image, driver=None).with_command(
        "postgres -c shared_preload_libraries=pg_stat_statements"
    ) as pg:
        yield Server(pg.get_connection_url())


@pytest.fixture(scope="session", autouse=True)
def own_data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The suite's own user data folder: what apply records and what history keeps go there,
    not into the data folder of whoever runs the tests, whose ``analyze`` reads them back."""
    home = tmp_path_factory.mktemp("data-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(home))
        yield home


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    if os.environ.get("ADVISOR_TEST_DSN"):
        yield Server(os.environ["ADVISOR_TEST_DSN"])
        return
    if os.environ.get("ADVISOR_TEST_DOCKER") == "1":
        yield from _docker_server()
        return
    with throwaway_cluster(prefix="advisor-test-") as cluster:
        yield Server(cluster.dsn(), cluster)


def pytest_report_header(config: pytest.Config) -> str:
    bindir = os.environ.get("ADVISOR_PG_BIN", "auto-detected")
    return f"advisor: PostgreSQL binaries {bindir}"


@dataclass
class Database:
    server: Server
    name: str

    @property
    def dsn(self) -> str:
        return self.server.dsn(self.name)

    def execute(self, statement: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def run(self, statement: str, params_list: Sequence[Sequence[Any]], repeat: int = 1) -> None:
        """Run a workload statement with server-side parameters, so pg_stat_statements sees $n."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            for _ in range(repeat):
                for params in params_list:
                    cur = conn.execute(statement, params)  # type: ignore[arg-type]
                    if cur.description:
                        cur.fetchall()

    def saved_plan(self, folder: Path, names: Sequence[str]) -> Path:
        """``advisor analyze --save-plan`` into ``folder``, once the advice is ``names``."""
        report = self.analyze()
        assert [r.name for r in report.recommendations] == list(names)
        path = folder / "plan.json"
        save_plan(path, report)
        return path

    def analyze(self, sources: SourceOptions | None = None, **settings: Any) -> Report:
        """``advisor analyze`` of this database (pg_stat_statements unless ``sources`` says),
        with its timing inputs pinned: statements are weighed by the planner
        (``weigh_by="planner"``), so the advice is the same on a fast machine and a busy one;
        a test about measured times passes ``weigh_by="measured"``."""
        settings.setdefault("min_improvement", 0.10)
        settings.setdefault("weigh_by", "planner")
        thresholds, run = RunOptions.split(**settings)
        return analyze(self.dsn, thresholds, sources or SourceOptions(), run=run)


def create_database(server: Server, schema_sql: str = "", *, hypopg: bool = True) -> Database:
    """A fresh database on ``server`` with the extensions, the schema, ANALYZE done, and its
    statistics (pg_stat_statements entries included) reset."""
    name = f"advisor_t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(server.admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    db = Database(server, name)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        if hypopg:
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        if schema_sql:
            conn.execute(schema_sql)
        conn.execute("ANALYZE")
        # as on a production database, the observed period starts after the data is there
        reset_statistics(conn)
    return db


@pytest.fixture(scope="module")
def make_db(pg_server: Server) -> Iterator[Any]:
    """``make_db(schema_sql)`` -> a fresh database with the extensions, the schema, ANALYZE done."""
    created: list[str] = []

    def make(schema_sql: str = "", *, hypopg: bool = True) -> Database:
        db = create_database(pg_server, schema_sql, hypopg=hypopg)
        created.append(db.name)
        return db

    yield make
    with psycopg.connect(pg_server.admin_dsn, autocommit=True) as admin:
        for name in created:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def vacuum_all_visible(dsn: str, table: str, *, tries: int = 40) -> None:
    """VACUUM until every page of ``table`` is all-visible, as on a table autovacuum keeps up
    with: the covering index's advice rests on it. A transaction elsewhere (a replication slot's
    xmin, another session of this database) can hold the horizon back for a while; past that,
    fail naming what holds it rather than as a missing recommendation."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(tries):
            conn.execute(f"VACUUM {table}")
            row = conn.execute(
                "SELECT relallvisible >= relpages FROM pg_class WHERE oid = %s::regclass", (table,)
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.25)
        holders = conn.execute(
            "SELECT datname, application_name, state, backend_xmin::text FROM pg_stat_activity"
            " WHERE backend_xmin IS NOT NULL UNION ALL SELECT slot_name, 'slot', NULL,"
            " xmin::text FROM pg_replication_slots WHERE xmin IS NOT NULL"
        ).fetchall()
    pytest.fail(f"VACUUM could not make {table} all-visible; xmin held by {holders}")
