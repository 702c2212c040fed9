"""``advisor demo``: a throwaway cluster with the demo application, its workload, and the advice.

The cluster lives in ``~/.advisor-demo`` (``ADVISOR_DEMO_DIR`` elsewhere). ``--keep`` leaves it
running and marks it kept, with its port: the next ``advisor demo`` reuses it as it is (starting
it again after a reboot), so that what ``advisor apply`` built there shows; only ``--reset``
replaces it, and ``--stop`` stops it and removes its files. A directory without the mark is what
an interrupted run left behind, and is replaced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import psycopg

from advisor.demo import workload
from advisor.errors import AdvisorError
from advisor.localdb.cluster import LocalCluster, reset_statistics

DEMO_DB = "demo"
KEPT = "kept"  # the mark of a kept cluster; it holds the port


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
    return Path(os.environ.get("ADVISOR_DEMO_DIR") or Path.home() / ".advisor-demo")


def kept_cluster(base: Path) -> LocalCluster | None:
    """The cluster a ``demo --keep`` left in ``base``, on its port; None when there is none."""
    try:
        port = int((base / KEPT).read_text().strip())
    except (OSError, ValueError):
        return None
    cluster = LocalCluster(base_dir=base, port=port)
    return cluster if (cluster.data_dir / "PG_VERSION").exists() else None


def mark_kept(cluster: LocalCluster) -> None:
    (cluster.base_dir / KEPT).write_text(f"{cluster.port}\n")


def remove(base: Path) -> None:
    """Stop whatever cluster is in ``base`` and delete the directory."""
    if not base.exists():
        return
    with contextlib.suppress(AdvisorError):
        LocalCluster(base_dir=base, port=0).stop("fast")
    shutil.rmtree(base, ignore_errors=True)


def open_cluster(
    base: Path, *, reset: bool, say: Callable[[str], None]
) -> tuple[LocalCluster, bool]:
    """The cluster the demo runs on, started, and whether it is a kept one reused as it is.

    A kept cluster is reused (started again if it is not running) unless ``reset``; anything
    else in ``base`` is removed first."""
    kept = kept_cluster(base)
    if kept is not None and reset:
        say(f"--reset: replacing the demo cluster kept in {base}")
        kept = None
    if kept is not None:
        if not kept.is_running():
            kept.start()
        return kept, True
    remove(base)  # a reset, or what an interrupted run left behind
    cluster = LocalCluster(base_dir=base)
    say(f"starting a throwaway PostgreSQL cluster in {base} ...")
    cluster.start()
    return cluster, False


def loaded(cluster: LocalCluster) -> bool:
    """Whether the demo database is there (a kept cluster that a run finished loading)."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as admin:
        row = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DEMO_DB,))
        return row.fetchone() is not None
