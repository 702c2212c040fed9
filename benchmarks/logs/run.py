"""``python -m benchmarks.logs.run``: server logs are read at a steady rate in bounded memory.

    python -m benchmarks.logs.run --size 200MB --write-docs docs/benchmarks.md

A throwaway cluster logs a psycopg workload (extended protocol: each execution writes its
``parse``, ``bind`` and ``execute`` lines with their parameters; ``log_min_duration_statement =
0``) to stderr, csvlog and jsonlog at once, with the prefix ``%t [%p-%l] %q%u@%d ``. Each file is
then repeated up to ``--size`` (as rotated copies of one log would be), the stderr one also
gzipped, and each is read by ``read_logs`` in a process of its own: with the server's prefix, by
the severity markers alone (no prefix known), gzipped, as csvlog and as jsonlog. Reported: the
size read, wall time, MB/s, records/s and the reading process's peak RSS beside its RSS before
reading; the calls found must be the workload's times the copies. Exits 1 when they are not or
the peak RSS grows past ``--max-rss``, 2 on bad options.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from advisor.localdb.cluster import DEFAULT_SETTINGS, LocalCluster
from advisor.settings import parse_size
from benchmarks.load.docs import replace_section

HEADING = "## Logs: reading speed and memory"
PREFIX = "%t [%p-%l] %q%u@%d "
SCHEMA = """
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
                     created_at timestamptz NOT NULL);
INSERT INTO orders SELECT g, g % 500, (ARRAY['new','paid','shipped'])[1 + g % 3],
       timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, 5000) g;
"""
_SINCE = datetime(2024, 1, 2, tzinfo=UTC)
# Five shapes, one of them on several lines; each run through the extended protocol.
STATEMENTS: tuple[tuple[str, Callable[[int], tuple[Any, ...]]], ...] = (
    ("SELECT * FROM orders WHERE customer_id = %s", lambda i: (i % 500,)),
    ("SELECT id FROM orders WHERE status = %s AND created_at >= %s", lambda i: ("paid", _SINCE)),
    ("SELECT count(*)\n  FROM orders\n WHERE customer_id = %s\n   AND status = %s",
     lambda i: (i % 500, "new")),
    ("SELECT id, created_at FROM orders WHERE id = %s", lambda i: (i % 5000 + 1,)),
    ("UPDATE orders SET status = %s WHERE id = %s", lambda i: ("paid", i % 5000 + 1)),
)  # fmt: skip
CASES = (  # name, file, how it is read
    ("stderr, the server's prefix", ".log", "server"),
    ("stderr, severity markers only", ".log", "markers"),
    ("stderr, gzip", ".log.gz", "server"),
    ("csvlog", ".csv", "auto"),
    ("jsonlog", ".json", "auto"),
)

# Runs in the reading process: prints what it found and its memory, as JSON.
_READER = """
import json, resource, sys, time
from advisor.sources.logs import read_logs
from advisor.sources.logsettings import ServerLogSettings
path, how, prefix = sys.argv[1:4]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
server = ServerLogSettings(line_prefix=prefix, timezone="UTC") if how == "server" else None
started, cpu = time.perf_counter(), time.process_time()
items = read_logs([path], database="bench", server=server)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({
    "seconds": seconds,
    "cpu_seconds": cpu,
    "calls": sum(i.statement.calls for i in items if "orders" in i.statement.query),
    "statements": len(items),
    "before_kb": before,
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Measured:
    name: str
    bytes_read: int  # uncompressed
    records: int
    seconds: float
    cpu_seconds: float
    calls: int  # found
    expected: int  # executed: the seed's times the copies
    before_kb: int
    peak_kb: int


def _seed(work: Path, executions: int) -> tuple[dict[str, Path], str]:
    """One real log of the workload in each format; the server's version."""
    settings = {
        **DEFAULT_SETTINGS,
        "logging_collector": "on",
        "log_destination": "stderr,csvlog,jsonlog",
        "log_directory": "log",
        "log_line_prefix": PREFIX,
        "log_timezone": "UTC",
        "log_min_duration_statement": "-1",
    }
    cluster = LocalCluster(base_dir=work / "pg", settings=settings)
    cluster.start()
    try:
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
            version = str(conn.execute("SHOW server_version").fetchall()[0][0])
        with psycopg.connect(cluster.dsn("bench"), autocommit=True) as conn:
            conn.execute(SCHEMA)
            conn.execute("ALTER DATABASE bench SET log_min_duration_statement = 0")
        with psycopg.connect(cluster.dsn("bench"), autocommit=True) as conn:
            for i in range(executions):
                text, params = STATEMENTS[i % len(STATEMENTS)]
                conn.execute(text.encode(), params(i))
            conn.execute("SET application_name = 'end_of_seed'")
        deadline = time.monotonic() + 30
        files: dict[str, Path] = {}
        while time.monotonic() < deadline and len(files) < 3:
            for path in (cluster.data_dir / "log").glob("*"):
                if "end_of_seed" in path.read_text(errors="replace"):
                    files[path.suffix] = Path(shutil.copy(path, work / f"seed{path.suffix}"))
            time.sleep(0.2)
        if len(files) < 3:
            raise SystemExit("the server did not write its three log files")
        return files, version
    finally:
        cluster.stop("immediate")


def _grow(seed: Path, target: Path, size: int) -> int:
    """``seed`` repeated into ``target`` until it holds at least ``size`` bytes: the copies."""
    data = seed.read_bytes()
    copies = max(1, -(-size // len(data)))
    with target.open("wb") as out:
        for _ in range(copies):
            out.write(data)
    return copies


def _records(path: Path, suffix: str) -> int:
    if suffix == ".json":
        return sum(1 for line in path.open("rb") if line.strip())
    if suffix == ".csv":
        return sum(1 for line in path.open("rb") if line[:4].isdigit())
    return sum(1 for line in path.open("rb") if line[:1] not in (b"\t", b"\n"))


def _read(path: Path, how: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", _READER, str(path), how, PREFIX],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"reading {path.name} failed: {proc.stderr.strip()[-500:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run(args: argparse.Namespace, work: Path) -> tuple[list[Measured], str]:
    _say(f"writing a real log of {args.executions} executions")
    seeds, version = _seed(work, args.executions)
    size = parse_size(args.size)
    results = []
    copies: dict[Path, int] = {}
    for name, suffix, how in CASES:
        plain = work / f"big{suffix.removesuffix('.gz')}"
        if plain not in copies:
            copies[plain] = _grow(seeds[suffix.removesuffix(".gz")], plain, size)
        path = plain
        if suffix.endswith(".gz"):
            path = work / f"big{suffix}"
            with plain.open("rb") as src, gzip.open(path, "wb", compresslevel=1) as dst:
                shutil.copyfileobj(src, dst)
        _say(f"reading {path.name} ({name})")
        found = _read(path, how)
        results.append(
            Measured(
                name,
                plain.stat().st_size,
                _records(plain, suffix.removesuffix(".gz")),
                found["seconds"],
                found["cpu_seconds"],
                found["calls"],
                args.executions * copies[plain],
                found["before_kb"],
                found["peak_kb"],
            )
        )
    return results, version


def render(args: argparse.Namespace, results: list[Measured], version: str) -> str:
    command = f"python -m benchmarks.logs.run --size {args.size} --write-docs docs/benchmarks.md"
    lines = [
        "Can a log of several gigabytes be read? A throwaway cluster logs "
        f"{args.executions:,} executions of five statement shapes sent by psycopg through the "
        "extended protocol (`parse`, `bind` and `execute` lines with their parameters, "
        "`log_min_duration_statement = 0`) to stderr, csvlog and jsonlog at once, with the "
        f"prefix `{PREFIX}`. Each file is repeated up to the size below and read by "
        "`read_logs` in a process of its own.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Measured on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, logs of PostgreSQL {version}.",
        "",
        "| read | size | entries | executions found | time (CPU) | MB/s of CPU | entries/s of CPU "
        "| peak RSS (before reading) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        mb = r.bytes_read / 1024**2
        lines.append(
            f"| {r.name} | {mb:.0f} MB | {r.records:,} | {r.calls:,} "
            f"| {r.seconds:.1f} s ({r.cpu_seconds:.1f} s) "
            f"| {mb / r.cpu_seconds:.1f} | {r.records / r.cpu_seconds:,.0f} "
            f"| {r.peak_kb / 1024:.0f} MB ({r.before_kb / 1024:.0f} MB) |"
        )
    lines += [
        "",
        "Entries are the stderr lines with a prefix, the csvlog rows, the jsonlog objects. "
        "Rates are per second of the reader's CPU time (one core): the wall time depends on "
        "what else the machine runs. "
        "Each case found every execution of the workload once (the `parse` and `bind` lines "
        "not counted); the three formats' files hold different numbers of copies of the log. "
        "The peak RSS does not grow with the size of the file: it is read line by line.",
    ]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.logs.run", description=__doc__)
    p.add_argument("--size", default="200MB", help="size of each log read (default 200MB)")
    p.add_argument("--executions", type=int, default=5000, help="executions logged (5000)")
    p.add_argument("--max-rss", default="512MB", help="fail above this reader peak RSS")
    p.add_argument("--work-dir", type=Path, help="keep the logs here")
    p.add_argument("--write-docs", type=Path, help="replace this benchmark's section there")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.executions < len(STATEMENTS) or parse_size(args.size) < 1:
        print("executions must be at least 5 and the size positive", file=sys.stderr)
        return 2
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="advisor-logs-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results, version = run(args, work)
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    section = render(args, results, version)
    print(section)
    failed = [f"{r.name} ({r.calls} of {r.expected})" for r in results if r.calls != r.expected]
    if failed:
        print(f"executions found differ from those run: {', '.join(failed)}", file=sys.stderr)
        return 1
    limit_kb = parse_size(args.max_rss) // 1024
    if any(r.peak_kb > limit_kb for r in results):
        print(f"a reader's peak RSS is over {args.max_rss}", file=sys.stderr)
        return 1
    if args.write_docs:
        replace_section(args.write_docs, HEADING, section)
        _say(f"wrote the section {HEADING!r} into {args.write_docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
