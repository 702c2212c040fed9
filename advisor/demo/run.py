"""``advisor demo``: a throwaway cluster with the demo application, its workload, and the advice."""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import psycopg

from advisor.demo import workload
from advisor.localdb.cluster import LocalCluster, reset_statistics

DEMO_DB = "demo"


def schema_sql() -> str:
    return (resources.files("advisor.demo") / "schema.sql").read_text(encoding="utf-8")


def prepare(cluster: LocalCluster, say: Callable[[str], None], *, scale: float = 1.0) -> str:
    """Create the demo database with extensions, data and a replayed workload; return its DSN."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DEMO_DB,))
        if exists.fetchone() is None:
            admin.execute(f"CREATE DATABASE {DEMO_DB}")
    dsn = cluster.dsn(DEMO_DB)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        started = time.monotonic()
        say("loading the demo application (investors, agreements, transactions, charges)...")
        conn.execute(schema_sql())
        say(f"  loaded in {time.monotonic() - started:.1f} s")
        reset_statistics(conn)  # observe the application, not the bulk load
        started = time.monotonic()
        say("replaying the application's workload...")
        count = workload.replay(conn, scale=scale)
        say(f"  {count} statements in {time.monotonic() - started:.1f} s")
    return dsn


def demo_dir() -> Path:
    return Path.home() / ".advisor-demo"
