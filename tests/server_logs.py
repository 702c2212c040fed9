"""Helpers for tests on logs written by a real server: switch its logging, wait for the files.

The server writes through ``logging_collector`` into ``log_directory``; a reload that changes the
directory starts new files there. Logging is asynchronous, so a phase ends with a marker
statement and the files are copied once every one of them shows it.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from advisor.localdb.cluster import DEFAULT_SETTINGS, LocalCluster


def wait_for(directory: Path, text: str, count: int, timeout: float = 15.0) -> list[Path]:
    """The log files of a directory once ``count`` of them contain ``text``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(directory.glob("*")) if directory.is_dir() else []
        done = [f for f in files if text in f.read_text(errors="replace")]
        if len(done) >= count:
            return files
        time.sleep(0.1)
    raise AssertionError(f"{text!r} did not reach {count} log files in {directory}")


def reconfigure(cluster: LocalCluster, **settings: str) -> None:
    """``ALTER SYSTEM SET`` each setting, reload, and wait until new sessions see the values
    (the postmaster reads the file when it gets the signal, not when pg_reload_conf returns)."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        for name, value in settings.items():
            conn.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value))
            )
        conn.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 15.0
    while True:
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            seen = {name: _setting(conn, name) for name in settings}
        if seen == settings:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not take {settings}: {seen}")
        time.sleep(0.05)


def _setting(conn: psycopg.Connection[Any], name: str) -> str | None:
    row = conn.execute("SELECT pg_catalog.current_setting(%s)", (name,)).fetchone()
    return None if row is None else str(row[0])


def mark(dsn: str, marker: str) -> None:
    """A line every log destination shows: the end of a phase."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("SET application_name = {}").format(sql.Literal(marker)))


def snapshot(
    cluster: LocalCluster, directory: str, marker: str, count: int, target: Path
) -> list[Path]:
    """Copies of the files of ``log_directory`` ``directory`` once ``count`` show ``marker``."""
    files = wait_for(cluster.data_dir / directory, marker, count)
    target.mkdir(parents=True)
    return [Path(shutil.copy(f, target / f.name)) for f in files]


@contextlib.contextmanager
def logging_cluster(
    name: str, logging: dict[str, str], schema: str
) -> Iterator[tuple[LocalCluster, Path]]:
    """A throwaway cluster logging as ``logging`` says, with the databases ``shop`` (HypoPG,
    pg_stat_statements, ``schema``, analysed) and ``other`` (a ``widgets`` table: statements of
    another database); and a directory for copies of its logs. Both go afterwards."""
    base = Path(tempfile.mkdtemp(prefix=f"advisor-{name}-"))
    cluster = LocalCluster(base_dir=base / "pg", settings={**DEFAULT_SETTINGS, **logging})
    try:
        cluster.start()
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE shop")
            conn.execute("CREATE DATABASE other")
        with psycopg.connect(cluster.dsn("shop"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
            conn.execute("CREATE EXTENSION hypopg")
            conn.execute(schema.encode())
            conn.execute("ANALYZE")
        with psycopg.connect(cluster.dsn("other"), autocommit=True) as conn:
            conn.execute("CREATE TABLE widgets (name text)")
        yield cluster, base
    finally:
        try:
            cluster.stop("immediate")
        finally:
            shutil.rmtree(base, ignore_errors=True)
