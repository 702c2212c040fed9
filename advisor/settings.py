"""Frozen settings, built once from command-line options: the selection thresholds
(``Settings``) and how a run is wired (``RunOptions``); sizes and durations as people write them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from advisor import durations
from advisor.errors import UsageError

_SIZE_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def parse_size(text: str) -> int:
    """``"2GB"`` -> bytes. Binary units, as PostgreSQL's ``pg_size_pretty`` uses them."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?B?)\s*", text.upper())
    if not match:
        raise UsageError(f"cannot read size {text!r}", "use e.g. 500MB or 2GB")
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2)])


def format_size(n: int) -> str:
    """Bytes as ``parse_size`` reads them back: ``10MB``, ``2GB``, ``1536KB``, ``100B``."""
    for unit in ("TB", "GB", "MB", "KB"):
        if n >= _SIZE_UNITS[unit] and n % _SIZE_UNITS[unit] == 0:
            return f"{n // _SIZE_UNITS[unit]}{unit}"
    return f"{n}B"


def parse_duration_ms(text: str) -> int:
    """``"10s"`` -> 10000. A bare number is milliseconds, like PostgreSQL's timeouts."""
    ms = durations.parse_ms(text)
    if ms is None:
        raise UsageError(f"cannot read duration {text!r}", "use e.g. 500ms, 10s, 2min or 7d")
    return int(ms)


@dataclass(frozen=True)
class Settings:
    """The selection thresholds: which statements count, which indexes qualify, the budgets
    and the weights. Defaults are what a careful DBA would pick. How a run is wired (timeouts,
    role, the verify copy, the review, replicas) is ``RunOptions``."""

    min_calls: int = 1
    min_time_ms: float = 0.0
    top: int | None = None
    min_table_rows: int = 1_000
    min_improvement: float = 0.10
    min_workload_gain: float = 0.0  # share of the workload's time an index must save
    max_key_columns: int = 3
    max_indexes: int | None = None
    max_size_bytes: int | None = None
    write_weight: float = 1.0
    weigh_by: str = "measured"  # or "planner": calls x plan cost, the same on every machine
    count_bulk_writes: bool = False  # extrapolate bulk loads into the write rate too
    max_explains: int | None = None  # stop the search after this many EXPLAIN calls
    time_limit_s: float | None = None  # stop the search after this long (whole analysis)
    exhaustive_search: bool = False  # re-score every move every round (no lazy bounds)
    search_shortcuts: bool = True  # off: the plain search the tests compare the fast one with


@dataclass(frozen=True)
class RunOptions:
    """How one run is wired: its session's timeouts, the role it plans as, the copy it builds
    rule-based advice on, whether it reviews the existing indexes (and on which replicas' scans
    too), its clock, the snapshot store its write rates read, and the apply log it heeds."""

    statement_timeout_ms: int = 10_000
    lock_timeout_ms: int = 1_000
    role: str | None = None  # plan as this role, so row-level security policies apply
    verify_dsn: str | None = None  # a non-production copy where unverifiable advice is built
    review: bool = True  # review the existing indexes too
    min_stats_age_s: float = 7 * 86_400.0  # younger index statistics call nothing unused
    replica_dsns: tuple[str, ...] = ()  # index scans on replicas count too
    now_epoch: float | None = None  # a fixed clock for the statistics window (replays, tests)
    store: str | None = None  # snapshot store for write rates (None: the default, if it exists)
    # advisor apply's record: an index apply --validate took back is not advised again
    # (None: the default file, if it exists)
    apply_log: str | None = None

    @classmethod
    def split(cls, **values: Any) -> tuple[Settings, RunOptions]:
        """Keyword values of both kinds, each to its own object (tests, MCP tools)."""
        wired = {f.name for f in fields(cls)}
        run = cls(**{k: v for k, v in values.items() if k in wired})
        return Settings(**{k: v for k, v in values.items() if k not in wired}), run
