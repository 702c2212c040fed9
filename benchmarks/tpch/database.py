"""Generate TPC-H with tpchgen-cli and load it into a database: COPY, primary keys, VACUUM ANALYZE.

The cluster is the advisor's own throwaway ``LocalCluster`` with settings for an analytic
workload. Nothing here creates a secondary index: the baseline is primary keys only.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from advisor.localdb.cluster import DEFAULT_SETTINGS, LocalCluster

TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")
HERE = Path(__file__).parent

BENCH_SETTINGS: dict[str, str] = {
    **DEFAULT_SETTINGS,
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "max_parallel_workers_per_gather": "2",
    "pg_stat_statements.track_utility": "off",
}

Say = Callable[[str], None]


@dataclass(frozen=True)
class Loaded:
    dsn: str
    rows: dict[str, int]
    generate_seconds: float
    load_seconds: float


def tpchgen() -> str:
    """The ``tpchgen-cli`` executable: next to this interpreter (a venv), else on PATH."""
    beside = Path(sys.executable).parent / "tpchgen-cli"
    if beside.exists():
        return str(beside)
    found = shutil.which("tpchgen-cli")
    if found is None:
        raise RuntimeError("tpchgen-cli not found: pip install tpchgen-cli (the bench extra)")
    return found


def generate(scale_factor: float, out_dir: Path) -> dict[str, Path]:
    """Write one CSV file (with a header line) per table into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [tpchgen(), "csv", "-s", f"{scale_factor:g}", "-o", str(out_dir), "--no-progress",
           "--quiet", "--overwrite"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"tpchgen-cli failed: {proc.stderr.strip()[-500:]}")
    files = {table: out_dir / f"{table}.csv" for table in TABLES}
    missing = [str(p) for p in files.values() if not p.exists()]
    if missing:
        raise RuntimeError(f"tpchgen-cli wrote no {', '.join(missing)}")
    return files


def start_cluster(base_dir: Path) -> LocalCluster:
    cluster = LocalCluster(base_dir=base_dir, settings=dict(BENCH_SETTINGS))
    return cluster.start()


def create_database(admin_dsn: str, name: str) -> str:
    """A fresh database (dropped first if it exists) with pg_stat_statements and HypoPG."""
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        ident = sql.Identifier(name)
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    dsn = psycopg.conninfo.make_conninfo(admin_dsn, dbname=name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    return dsn


def drop_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _script(name: str) -> bytes:
    return (HERE / name).read_bytes()


def load(dsn: str, files: dict[str, Path]) -> dict[str, int]:
    """Create the tables, COPY the CSV files in, add the primary keys, VACUUM ANALYZE."""
    rows: dict[str, int] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(_script("schema.sql"))
        for table in TABLES:
            copy_sql = sql.SQL("COPY {} FROM STDIN (FORMAT csv, HEADER true)").format(
                sql.Identifier(table)
            )
            with conn.cursor() as cur:
                with cur.copy(copy_sql) as copy, files[table].open("rb") as source:
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
                rows[table] = cur.rowcount
        conn.execute(_script("keys.sql"))
        # FREEZE sets the visibility map now, so autovacuum does not do it in the middle of a
        # measurement and index-only scans are judged on a settled table.
        conn.execute("VACUUM (FREEZE, ANALYZE)")
        # Flush this backend's table counters now, so the reset that follows the load
        # (bench._reset_statistics) cannot be overtaken by the load's inserts (PostgreSQL 15+).
        if conn.info.server_version >= 150000:
            conn.execute("SELECT pg_catalog.pg_stat_force_next_flush()")
            conn.execute("SELECT 1")
    return rows


def prepare(
    admin_dsn: str, scale_factor: float, work_dir: Path, say: Say, dbname: str = "tpch"
) -> Loaded:
    """Generate, load and settle one TPC-H database; the generated files are removed after."""
    data_dir = work_dir / "data"
    started = time.monotonic()
    say(f"generating TPC-H at scale factor {scale_factor:g} with tpchgen-cli ...")
    files = generate(scale_factor, data_dir)
    generated = time.monotonic() - started
    say(f"  {sum(p.stat().st_size for p in files.values()) / 1e6:.0f} MB in {generated:.1f} s")
    dsn = create_database(admin_dsn, dbname)
    started = time.monotonic()
    say("loading: COPY, primary keys, VACUUM (FREEZE, ANALYZE) ...")
    rows = load(dsn, files)
    loaded = time.monotonic() - started
    say(f"  {sum(rows.values())} rows in {loaded:.1f} s")
    shutil.rmtree(data_dir, ignore_errors=True)
    return Loaded(dsn, rows, generated, loaded)
