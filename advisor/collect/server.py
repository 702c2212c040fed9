"""What server this is, and whether it is ready to be analysed (the preflight checks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from advisor.catalog.facts import read_facts
from advisor.catalog.stats import seconds_since, stats_age
from advisor.db import queries
from advisor.errors import PreflightError
from advisor.model import ServerInfo

MIN_VERSION = 130000


@dataclass(frozen=True)
class Server:
    info: ServerInfo
    pgss_schema: str | None  # None: pg_stat_statements not used (logs, files, --query only)
    hypopg_schema: str
    in_recovery: bool
    role: str


def _stats_since(
    conn: psycopg.Connection[Any], row: dict[str, Any], now: datetime | None
) -> tuple[datetime, float, str]:
    """When the statement statistics started, their age in seconds at ``now`` (default: the
    clock), and how the start was found: the pgss reset (14+), else the server start."""
    if row["version_num"] >= 140000 and row["pgss_schema"] is not None:
        info = sql.Identifier(row["pgss_schema"], "pg_stat_statements_info")
        try:
            with conn.cursor(row_factory=dict_row) as cur:
                got = cur.execute(queries.load("statements_info").format(pgss_info=info)).fetchone()
            if got and got["stats_reset"] is not None:
                if got["stats_reset"] >= row["postmaster_start"]:
                    since, basis = got["stats_reset"], "pg_stat_statements_info.stats_reset"
                else:
                    since, basis = row["postmaster_start"], "the server start"
                return since, seconds_since(since, now), basis
        except psycopg.errors.UndefinedTable:
            pass  # an old pg_stat_statements extension version on a new server
    since = row["postmaster_start"]
    return since, seconds_since(since, now), "the server start"


def _missing(
    conn: psycopg.Connection[Any],
    row: dict[str, Any],
    *,
    require_hypopg: bool,
    require_pgss: bool,
) -> list[tuple[str, str]]:
    """Every missing prerequisite, each with what to run: all at once, so that one round of
    fixes is enough."""
    missing: list[tuple[str, str]] = []
    if require_pgss:
        if not row["pgss_loaded"]:
            missing.append((
                "pg_stat_statements is not in shared_preload_libraries",
                "add it, restart the server, then run: CREATE EXTENSION pg_stat_statements;",
            ))  # fmt: skip
        elif row["pgss_schema"] is None:
            missing.append((
                f"pg_stat_statements is not created in database {row['database']}",
                "run: CREATE EXTENSION pg_stat_statements;",
            ))  # fmt: skip
    if require_hypopg and row["hypopg_version"] is None:
        if row["hypopg_available"] is None:
            missing.append((
                "HypoPG is not installed on the server",
                "install it (Debian: apt-get install postgresql-<version>-hypopg), "
                "then run: CREATE EXTENSION hypopg;",
            ))  # fmt: skip
        else:
            missing.append((
                f"HypoPG is not created in database {row['database']}",
                "run: CREATE EXTENSION hypopg;",
            ))  # fmt: skip
    if require_pgss and not (row["superuser"] or row["read_all_stats"]):
        missing.append((
            f"role {row['role']} cannot read other roles' statement texts",
            f"run: GRANT pg_read_all_stats TO {sql.Identifier(row['role']).as_string(conn)};",
        ))  # fmt: skip
    return missing


def system_identifier(conn: psycopg.Connection[Any]) -> str | None:
    """The cluster's system identifier, or None where the role may not read pg_control."""
    found = read_facts(conn)["system_identifier"]
    return None if found is None else str(found)


def check(
    conn: psycopg.Connection[Any],
    *,
    require_hypopg: bool = True,
    require_pgss: bool = True,
    now: datetime | None = None,
) -> Server:
    """Read the server's facts; raise ``PreflightError`` with one line naming every missing
    prerequisite and what to run for each. ``now`` fixes the clock the statistics' age is
    measured at (for replaying history, tests)."""
    row = read_facts(conn)
    if row["version_num"] < MIN_VERSION:
        raise PreflightError(f"PostgreSQL {row['version']} is too old", "the advisor needs 13+")
    missing = _missing(conn, row, require_hypopg=require_hypopg, require_pgss=require_pgss)
    if len(missing) == 1:
        raise PreflightError(*missing[0])
    if missing:
        raise PreflightError(
            f"database {row['database']} is not ready: "
            + "; ".join(f"{n}) {problem} ({fix})" for n, (problem, fix) in enumerate(missing, 1))
        )
    since, age, basis = _stats_since(conn, row, now)
    table_age = stats_age(row, now).seconds
    info = ServerInfo(
        version_num=row["version_num"],
        version=row["version"],
        database=row["database"],
        hypopg_version=row["hypopg_version"],
        stats_since=since.isoformat(),
        stats_age_seconds=age,
        table_stats_age_seconds=table_age,
        system_identifier=row["system_identifier"],  # text already (no JSON number holds it)
        stats_basis=basis,
    )
    return Server(
        info=info,
        pgss_schema=row["pgss_schema"] if require_pgss else None,
        hypopg_schema=row["hypopg_schema"] or "public",
        in_recovery=row["in_recovery"],
        role=row["role"],
    )
