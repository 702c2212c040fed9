"""``python -m benchmarks.mcp.run``: how fast ``analyze_queries`` answers an assistant.

    python -m benchmarks.mcp.run --orders 200000 --runs 5 --write-docs docs/benchmarks.md

A throwaway cluster holds a small shop (``benchmarks.mcp.workload``: five tables, ``--orders``
orders). ``advisor mcp`` starts over stdio under the MCP SDK's own client, as an assistant starts
it; the client calls ``analyze_queries`` with the twenty statements ``--runs`` times, each call
timed from request to answer. Reported: the time to a ready server, each call's time (median and
maximum), EXPLAIN calls and the advice. Exits 1 when a call fails, 2 on bad options.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import psycopg
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import TextContent
from psycopg import sql

from advisor.errors import AdvisorError
from advisor.localdb.cluster import LocalCluster
from benchmarks.harness import measure, publish, say
from benchmarks.mcp import workload

HEADING = "## MCP: analyze_queries with 20 statements"


@dataclass
class Outcome:
    ready_seconds: float
    call_seconds: list[float]
    doc: dict[str, Any]
    load_seconds: float
    version: str
    load_average: float  # of the machine (1 min) when the calls ended: it is shared


def _prepare(cluster: LocalCluster, orders: int) -> tuple[str, float]:
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE shop")
    dsn = cluster.dsn("shop")
    started = time.monotonic()
    counts = workload.sizes(orders)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute("CREATE EXTENSION hypopg")
        conn.execute(workload.SCHEMA)
        say(f"loading {orders} orders ...")
        for statement in workload.DATA:
            values = {name: sql.Literal(n) for name, n in counts.items()}
            conn.execute(sql.SQL(statement).format(**values))
        conn.execute("VACUUM ANALYZE")
    return dsn, time.monotonic() - started


async def _measure(dsn: str, runs: int, errlog: Path) -> tuple[float, list[float], dict[str, Any]]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "advisor", "mcp", "--dsn", dsn]
    )
    started = time.monotonic()
    times: list[float] = []
    doc: dict[str, Any] = {}
    with errlog.open("w") as err:
        async with (
            stdio_client(params, errlog=err) as (read, write, *_),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            ready = time.monotonic() - started
            for run in range(runs):
                began = time.monotonic()
                result = await session.call_tool(
                    "analyze_queries", {"queries": list(workload.STATEMENTS)}
                )
                times.append(time.monotonic() - began)
                if result.is_error:
                    block = result.content[0]
                    text = block.text if isinstance(block, TextContent) else "?"
                    raise AdvisorError(f"analyze_queries failed: {text}")
                doc = dict(result.structured_content or {})
                say(f"call {run + 1}: {times[-1]:.2f} s")
    return ready, times, doc


def run(args: argparse.Namespace, work: Path) -> Outcome:
    cluster = LocalCluster(base_dir=work / "cluster")
    cluster.start()
    try:
        dsn, loaded = _prepare(cluster, args.orders)
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            version = str(row[0]) if row else "?"
        ready, times, doc = anyio.run(_measure, dsn, args.runs, work / "server.err")
        return Outcome(ready, times, doc, loaded, version, os.getloadavg()[0])
    finally:
        cluster.stop("immediate")


def render(args: argparse.Namespace, o: Outcome) -> str:
    w = o.doc["workload"]
    counts = workload.sizes(args.orders)
    helped = sum(1 for s in o.doc["statements"] if s["reason"] is None)
    indexes = ", ".join(
        f"`{r['table']} ({', '.join(r['columns'])})`" for r in o.doc["recommendations"]
    )
    command = (
        f"python -m benchmarks.mcp.run --orders {args.orders} --runs {args.runs} "
        "--write-docs docs/benchmarks.md"
    )
    lines = [
        "Does `analyze_queries` answer an assistant in seconds? A shop of five tables "
        f"({counts['orders']:,} orders, {3 * counts['orders']:,} order lines, "
        f"{counts['orders']:,} events, {counts['customers']:,} customers, "
        f"{counts['products']:,} products; primary and foreign keys only) and twenty distinct "
        "statements (`benchmarks/mcp/workload.py`: lookups, ranges, top-N, joins, aggregates, an "
        "expression, an UPDATE and a DELETE; `$n` parameters and literals). `advisor mcp` runs "
        "over stdio under the MCP SDK's client, which calls `analyze_queries` with the twenty "
        "statements; each call is timed from request to answer (the same analysis every time: "
        "nothing is cached between calls).",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Measured on {platform.machine()}, {os.cpu_count()} cores (load average "
        f"{o.load_average:.1f} when the calls ended: the machine is shared), PostgreSQL "
        f"{o.version}.",
        "",
        "| | |",
        "|---|---:|",
        f"| server started and initialized | {o.ready_seconds:.1f} s |",
        f"| `analyze_queries`, median of {len(o.call_seconds)} calls "
        f"| {statistics.median(o.call_seconds):.2f} s |",
        f"| slowest call | {max(o.call_seconds):.2f} s |",
        f"| statements analysed | {w['analyzed']} of {w['statements']} |",
        f"| EXPLAIN calls per analysis | {w['explain_calls']} |",
        f"| indexes recommended | {len(o.doc['recommendations'])} |",
        f"| statements helped | {helped} |",
        f"| generic-plan cost of the twenty | {w['cost_before']:.0f} -> {w['cost_after']:.0f} |",
        "",
        f"Recommended: {indexes or 'nothing'}. Setup, not counted above: "
        f"{o.load_seconds:.0f} s to load the tables.",
    ]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.mcp.run", description=__doc__)
    p.add_argument("--orders", type=int, default=200_000, help="orders (default 200000)")
    p.add_argument("--runs", type=int, default=5, help="calls of analyze_queries (default 5)")
    p.add_argument("--work-dir", type=Path, help="keep the cluster and the server's log here")
    p.add_argument("--write-docs", type=Path, help="replace this benchmark's section there")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.orders < 100 or args.runs < 1:
        print("--orders must be at least 100 and --runs at least 1", file=sys.stderr)
        return 2
    outcome = measure(lambda work: run(args, work), work_dir=args.work_dir, prefix="advisor-mcp-")
    if outcome is None:
        return 1
    print(json.dumps({"call_seconds": outcome.call_seconds}), file=sys.stderr)
    publish(render(args, outcome), HEADING, args.write_docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
