"""What the benchmark ran on: CPU, memory, load, server and advisor versions."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass(frozen=True)
class Machine:
    cpus: int
    cpu_model: str
    memory_gib: float
    load_average: tuple[float, float, float]
    server_version: str
    hypopg_version: str
    advisor_commit: str
    date: str


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return 0.0


def _commit() -> str:
    root = Path(__file__).resolve().parents[2]
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if head.returncode != 0:
        return "unknown"
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "advisor",
                            "queries"], capture_output=True, text=True, check=False)  # fmt: skip
    return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def describe(dsn: str) -> Machine:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT pg_catalog.current_setting('server_version'),"
            " (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'hypopg')"
        ).fetchone()
    assert row is not None
    load = os.getloadavg()
    return Machine(
        cpus=os.cpu_count() or 0,
        cpu_model=_cpu_model(),
        memory_gib=_memory_gib(),
        load_average=(round(load[0], 2), round(load[1], 2), round(load[2], 2)),
        server_version=str(row[0]),
        hypopg_version=str(row[1] or "none"),
        advisor_commit=_commit(),
        date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
