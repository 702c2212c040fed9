"""``python -m benchmarks.footprint``: what planning a workload leaves in pg_stat_statements, per
PostgreSQL version and per way of planning.

    python -m benchmarks.footprint --versions 13,14,15,16,17,18 --write-docs docs/safety.md

For each version (server binaries from ``scripts/pg-versions.py``'s cache, fetched when missing;
they have no HypoPG, and none is needed to plan), a throwaway cluster runs ``--statements``
distinct statements over ten tables (the workload of ``tests/test_footprint.py``: equality,
range, ORDER BY ... LIMIT, a 70-parameter IN list, literal constants), then each statement is
planned three times, as an analysis plans a statement once per candidate set:

- **one name per plan** (the advisor before issue 16): ``PREPARE "advisor_plan_N"``, ``EXPLAIN
  EXECUTE``, ``DEALLOCATE`` per plan, plain ``EXPLAIN`` without parameters, ``EXPLAIN
  (GENERIC_PLAN)`` on 16+;
- the advisor's ``Explainer`` as a role that may not turn tracking off (``track = top``, then
  ``track = all``);
- the advisor's ``Explainer`` as a superuser (tracking off for its session).

Counted: entries of the database added by the planning session (read through an untracked
session) and deallocations.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.numeric import Int8

from advisor.collect.catalog import read_catalog
from advisor.db import session
from advisor.localdb.cluster import LocalCluster
from advisor.model import ParsedStatement
from advisor.parse.statement import analyse
from advisor.settings import Settings
from advisor.sources import pgss
from benchmarks.backends import statement_counts
from benchmarks.harness import publish

HEADING = "## pg_stat_statements entries of planning, per version"
TABLES = 10
PLANS_PER_STATEMENT = 3
SCHEMA = "".join(
    f"CREATE TABLE t{t} (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL, c text, d date);"
    f"INSERT INTO t{t} SELECT g, g % 997, g % 89, 'c' || (g % 500), DATE '2024-01-01' + g % 365"
    f"  FROM generate_series(1, 3000) g;"
    for t in range(TABLES)
)
ROLE = "advisor_plain"


def workload(count: int) -> list[tuple[str, tuple[Any, ...]]]:
    """``count`` distinct statements (distinct queryids) over the tables: equality, range,
    ORDER BY ... LIMIT, long IN lists (many parameters) and literal constants."""
    out: list[tuple[str, tuple[Any, ...]]] = []
    for n in range(count):
        table, kind, mask = n % TABLES, n // TABLES % 5, n // TABLES // 5
        # the parser's fingerprint ignores a repeated column, not a different one
        select = ", ".join(["id"] + [c for i, c in enumerate("abcd") if mask >> i & 1])
        head = f"SELECT {select} FROM t{table} WHERE"
        if kind == 0:
            out.append((f"{head} a = %s", (Int8(n),)))
        elif kind == 1:
            out.append((f"{head} b = %s AND d >= %s", (Int8(n), "2024-03-01")))
        elif kind == 2:
            out.append((f"{head} a = %s ORDER BY d LIMIT 5", (Int8(n),)))
        elif kind == 3:
            values = tuple(Int8(v) for v in range(70))  # 70 parameters: another size class
            out.append((f"{head} b IN ({', '.join(['%s'] * len(values))})", values))
        else:
            out.append((f"{head} c = 'c{n}' AND a > 3", ()))
    return out


def run(dsn: str, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Run the statements as an application would: tracked, parameters bound by the server."""
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        for text, params in statements:
            conn.execute(text, params).fetchall()


def _parsed(dsn: str) -> list[ParsedStatement]:
    """The workload as the advisor reads it from pg_stat_statements, parsed."""
    with psycopg.connect(dsn, autocommit=True, options="-c pg_stat_statements.track=none") as c:
        catalog = read_catalog(c)
        statements = pgss.read_statements(c, "public", Settings())
    out = []
    for statement in statements:
        result = analyse(statement, catalog)
        if isinstance(result, ParsedStatement):
            out.append(result)
    return out


def _one_name_per_plan(conn: psycopg.Connection[Any], parsed: list[ParsedStatement]) -> None:
    """The advisor's planning before issue 16, for comparison."""
    names = itertools.count(1)
    generic = conn.info.server_version >= 160000
    if not generic:
        conn.execute("SET plan_cache_mode = force_generic_plan")
    for p in parsed:
        body = sql.SQL(p.plan_sql)
        for _ in range(PLANS_PER_STATEMENT):
            if p.param_count == 0:
                conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) {}").format(body))
            elif generic:
                conn.execute(sql.SQL("EXPLAIN (FORMAT JSON, GENERIC_PLAN) {}").format(body))
            else:
                name = sql.Identifier(f"advisor_plan_{next(names)}")
                conn.execute(sql.SQL("PREPARE {} AS {}").format(name, body))
                nulls = sql.SQL(", ").join([sql.NULL] * p.param_count)
                conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE {}({})").format(name, nulls))
                conn.execute(sql.SQL("DEALLOCATE {}").format(name))


def _explainer(conn: psycopg.Connection[Any], parsed: list[ParsedStatement]) -> None:
    from advisor.whatif.explain import Explainer

    explainer = Explainer(conn, conn.info.server_version)
    for p in parsed:
        for _ in range(PLANS_PER_STATEMENT):
            explainer.plan(p)


@dataclass(frozen=True)
class Way:
    label: str
    user: str  # postgres or ROLE
    track: str  # the cluster's pg_stat_statements.track while it plans
    advisor: bool  # the advisor's session and Explainer, else one name per plan


WAYS = (
    Way("one name per plan (before issue 16), track = top", "postgres", "top", False),
    Way("`advisor_plan`, role may not turn tracking off, track = top", ROLE, "top", True),
    Way("`advisor_plan`, role may not turn tracking off, track = all", ROLE, "all", True),
    Way("tracking off for the session (superuser, or the grant)", "postgres", "all", True),
)


@dataclass(frozen=True)
class Count:
    added: int
    dealloc: int | None

    def __str__(self) -> str:
        dealloc = "" if not self.dealloc else f", {self.dealloc} deallocations"
        return f"{self.added}{dealloc}"


def set_track(admin_dsn: str, level: str) -> None:
    """``ALTER SYSTEM SET pg_stat_statements.track``, reloaded, and waited for: new sessions
    get it once the postmaster has read the file."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER SYSTEM SET pg_stat_statements.track = {}").format(level))
        conn.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with psycopg.connect(admin_dsn) as conn:
            row = conn.execute("SHOW pg_stat_statements.track").fetchone()
        if row and row[0] == level:
            return
        time.sleep(0.05)
    raise RuntimeError(f"pg_stat_statements.track did not become {level}")


def measure(cluster: LocalCluster, statements: int) -> tuple[str, dict[str, Count]]:
    """Start ``cluster``, plan the workload every way; the server version and the counts."""
    cluster.settings["pg_stat_statements.max"] = str(max(10000, 20 * statements))
    cluster.start()
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        conn.execute("CREATE DATABASE footprint")
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(ROLE)))
        conn.execute(sql.SQL("GRANT pg_read_all_stats TO {}").format(sql.Identifier(ROLE)))
    dsn = cluster.dsn("footprint")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute(SCHEMA)
        conn.execute("ANALYZE")
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(
            sql.Identifier(ROLE)))  # fmt: skip
        conn.execute("SELECT pg_stat_statements_reset()")
    run(dsn, workload(statements))
    parsed = _parsed(dsn)
    counts: dict[str, Count] = {}
    for way in WAYS:
        set_track(cluster.dsn(), way.track)
        before = statement_counts(dsn)
        target = cluster.dsn("footprint", user=way.user)
        if way.advisor:
            with session.connect(target, statement_timeout_ms=30_000, lock_timeout_ms=1_000) as c:
                _explainer(c, parsed)
        else:
            with psycopg.connect(target, autocommit=True, prepare_threshold=None) as c:
                _one_name_per_plan(c, parsed)
        after = statement_counts(dsn)
        dealloc = None if after.dealloc is None else after.dealloc - (before.dealloc or 0)
        counts[way.label] = Count(after.entries - before.entries, dealloc)
        with psycopg.connect(dsn, autocommit=True) as conn:  # the next way starts afresh
            conn.execute("SELECT pg_stat_statements_reset()")
        run(dsn, workload(statements))
    return version, counts


def _pg_versions() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "scripts" / "pg-versions.py"
    spec = importlib.util.spec_from_file_location("pg_versions", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Binaries:
    bindir: Path | None  # None: the installed server (find_bindir)
    libdir: Path | None


def binaries(versions: list[str], cache: Path) -> Iterator[tuple[str, Binaries]]:
    """Each wanted major's server binaries: ``installed`` for the machine's own."""
    pg = _pg_versions()
    majors = [int(v) for v in versions if v.isdigit()]
    if "installed" in versions:
        yield "installed", Binaries(None, None)
    cache.mkdir(parents=True, exist_ok=True)
    for major, version in sorted(pg.newest_per_major(majors).items()):
        root = pg.install(version, cache)
        yield str(major), Binaries(pg.merged_bindir(root), root / "native" / "lib")


def render(rows: dict[str, tuple[str, dict[str, Count]]], statements: int) -> str:
    versions = list(rows)
    lines = [
        f"{statements} distinct statements (equality, range, ORDER BY ... LIMIT, a 70-parameter "
        f"IN list, literal constants) over {TABLES} tables, each planned "
        f"{PLANS_PER_STATEMENT} times as an analysis plans a statement once per candidate set; "
        "entries of the database the planning session added to pg_stat_statements:",
        "",
        "```sh",
        f"python -m benchmarks.footprint --versions {','.join(versions)} --statements "
        f"{statements} --write-docs docs/safety.md",
        "```",
        "",
        "| way of planning | " + " | ".join(rows[v][0].split()[0] for v in versions) + " |",
        "|---|" + "---:|" * len(versions),
    ]
    for way in WAYS:
        cells = [str(rows[v][1][way.label]) for v in versions]
        lines.append(f"| {way.label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "No deallocation in any cell (`pg_stat_statements.max` was large enough to show every "
        "entry). The binaries are `scripts/pg-versions.py`'s (no HypoPG: none is needed to "
        "plan). The counts include the session's own statements (its settings, and where "
        "tracked the query that asks whether it may turn tracking off). One name per plan: "
        "one `EXPLAIN EXECUTE` text per plan on 13-15, one `EXPLAIN (GENERIC_PLAN)` per "
        "statement on 16+ (which jumbles utility statements by their tree), and one `EXPLAIN` "
        "per statement without parameters. `advisor_plan`: one text per parameter size class "
        "(8, 64, 512, ...; 18 squashes the list of NULLs, so they count as one), plus "
        "`DEALLOCATE $1` on 17+. With `track = all` the server also "
        "records each planned statement as a nested entry (`toplevel = false`): one per "
        "statement, which only turning tracking off avoids.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.footprint", description=__doc__)
    p.add_argument("--versions", default="13,14,15,16,17,18",
                   help="majors from the pg-versions cache, or 'installed'")  # fmt: skip
    p.add_argument("--statements", type=int, default=300)
    p.add_argument("--cache", type=Path,
                   default=Path(tempfile.gettempdir()) / "advisor-pg-versions")  # fmt: skip
    p.add_argument("--write-docs", type=Path, help="replace the section of this file")
    args = p.parse_args(argv)
    rows: dict[str, tuple[str, dict[str, Count]]] = {}
    for name, found in binaries([v.strip() for v in args.versions.split(",")], args.cache):
        base = Path(tempfile.mkdtemp(prefix="advisor-footprint-"))
        saved = os.environ.get("LD_LIBRARY_PATH")
        if found.libdir is not None:  # for the server processes started from here
            os.environ["LD_LIBRARY_PATH"] = str(found.libdir)
        kwargs: dict[str, Any] = {"bindir": found.bindir} if found.bindir else {}
        cluster = LocalCluster(base_dir=base, **kwargs)
        try:
            rows[name] = measure(cluster, args.statements)
            print(f"PostgreSQL {rows[name][0]}: " + "; ".join(
                f"{k}: {v}" for k, v in rows[name][1].items()), flush=True)  # fmt: skip
        finally:
            cluster.stop("immediate")
            shutil.rmtree(base, ignore_errors=True)
            if saved is None:
                os.environ.pop("LD_LIBRARY_PATH", None)
            else:
                os.environ["LD_LIBRARY_PATH"] = saved
    publish(render(rows, args.statements), HEADING, args.write_docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
