"""Create and fill the star schema: tables, data generated in the server from a fixed seed, primary
keys, VACUUM (FREEZE, ANALYZE). No file is downloaded and none is written."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from benchmarks.tpch.database import Loaded, create_database

HERE = Path(__file__).parent
Say = Callable[[str], None]

# rows per unit of scale; dimensions of fixed size (demographics, calendar) are in generate.sql
PER_SCALE = {
    "items": 18_000,
    "customers": 100_000,
    "addresses": 50_000,
    "stores": 12,
    "tickets": 300_000,
    "catalog_orders": 150_000,
    "web_orders": 75_000,
}
MINIMUM = {"items": 500, "customers": 500, "addresses": 250, "stores": 6, "tickets": 1000,
           "catalog_orders": 500, "web_orders": 250}  # fmt: skip
TABLES = (
    "date_dim", "time_dim", "item", "customer_address", "customer_demographics",
    "household_demographics", "customer", "store", "promotion", "warehouse", "ship_mode",
    "web_site", "call_center", "store_sales", "store_returns", "catalog_sales",
    "catalog_returns", "web_sales", "web_returns", "inventory",
)  # fmt: skip


def sizes(scale: float) -> dict[str, int]:
    return {k: max(MINIMUM[k], round(v * scale)) for k, v in PER_SCALE.items()}


def statements(name: str) -> list[bytes]:
    """The statements of a script whose statements end with a line holding only ``;``."""
    text = (HERE / name).read_text(encoding="utf-8")
    return [s.strip().encode() for s in text.split("\n;\n") if s.strip()]


def load(dsn: str, scale: float, say: Say) -> dict[str, int]:
    """Create the tables, generate the rows, add the primary keys, VACUUM (FREEZE, ANALYZE)."""
    params: dict[str, Any] = dict(sizes(scale))
    # one backend and no parallel workers: random() after setseed() gives the same rows
    with psycopg.connect(
        dsn, autocommit=True, options="-c max_parallel_workers_per_gather=0"
    ) as conn:
        conn.execute((HERE / "schema.sql").read_bytes())
        with conn.transaction():
            for statement in statements("generate.sql"):
                body = statement.decode()
                if "%(" in body:
                    conn.execute(statement, params)
                else:
                    conn.execute(statement.replace(b"%%", b"%"))
        say("  primary keys, VACUUM (FREEZE, ANALYZE) ...")
        conn.execute((HERE / "keys.sql").read_bytes())
        conn.execute("VACUUM (FREEZE, ANALYZE)")
        rows = {}
        for table in TABLES:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            rows[table] = int(row[0]) if row else 0
        if conn.info.server_version >= 150000:  # see benchmarks.tpch.database.load
            conn.execute("SELECT pg_catalog.pg_stat_force_next_flush()")
            conn.execute("SELECT 1")
    return rows


def prepare(admin_dsn: str, scale: float, say: Say, dbname: str = "star") -> Loaded:
    dsn = create_database(admin_dsn, dbname)
    started = time.monotonic()
    say(f"generating the star schema at scale {scale:g} in the server ...")
    rows = load(dsn, scale, say)
    seconds = time.monotonic() - started
    say(f"  {sum(rows.values())} rows in {seconds:.1f} s")
    return Loaded(dsn, rows, seconds, seconds)
