"""Workload from live sessions: poll ``pg_stat_activity`` for statements that run long.

pg_stat_statements and ``log_min_duration_statement`` only see a statement once it finishes. A
statement that is cancelled by ``statement_timeout`` never finishes; sampling the running
sessions catches it while it runs. Each poll is one query of ``pg_stat_activity`` (the connected
database's active client backends running longer than a threshold, not our own), at a low rate.
A run (backend pid and ``query_start``) counts once, with the longest time it was seen running: a
lower bound of its duration. Reading other roles' texts needs ``pg_read_all_stats``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.db import queries
from advisor.errors import UsageError
from advisor.sources import sqltext
from advisor.sources.model import ACTIVITY, SourcedStatement
from advisor.sources.tally import Tally

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 0.1
HIDDEN = "<insufficient privilege>"


@dataclass
class _Seen:
    text: str
    running_s: float


def sample_activity(
    conn: psycopg.Connection[Any],
    duration_s: float,
    interval_s: float = 1.0,
    min_running_s: float = 1.0,
    *,
    max_samples: int = 3,
    tick: Callable[[float], None] | None = None,
) -> list[SourcedStatement]:
    """Statements seen running for at least ``min_running_s`` while polling for ``duration_s``
    every ``interval_s`` seconds (at least one poll). ``conn`` is an autocommit session, so each
    poll sees fresh activity. ``tick`` hears the seconds elapsed after each poll (a countdown)."""
    if duration_s < 0 or min_running_s < 0:
        raise UsageError("the activity sample needs a duration and threshold of 0 s or more")
    if interval_s < MIN_INTERVAL_S:
        raise UsageError(
            f"activity poll interval {interval_s:g} s is too short",
            f"poll at most every {MIN_INTERVAL_S:g} s to keep the load low",
        )
    query = queries.load("activity_running")
    runs: dict[tuple[int, datetime], _Seen] = {}
    hidden: set[int] = set()
    truncated: set[tuple[int, datetime]] = set()
    started = time.monotonic()
    deadline = started + duration_s
    while True:
        with conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(query, {"min_running_s": float(min_running_s)}).fetchall()
        for row in rows:
            text = row["query"] or ""
            if text == HIDDEN:
                hidden.add(row["pid"])
                continue
            key = (row["pid"], row["query_start"])
            if len(text.encode()) >= row["max_length"] - 1:
                truncated.add(key)
                continue
            seen = runs.get(key)
            if seen is None:
                runs[key] = _Seen(text, float(row["running_s"]))
            else:
                seen.running_s = max(seen.running_s, float(row["running_s"]))
        now = time.monotonic()
        if tick is not None:
            tick(min(now - started, duration_s) if now < deadline else duration_s)
        remaining = deadline - now
        if remaining <= 0:
            break
        time.sleep(min(interval_s, remaining))
    if hidden:
        log.warning(
            "%d sessions' statements were hidden: grant pg_read_all_stats to the role", len(hidden)
        )
    if truncated:
        log.warning(
            "%d running statements were longer than track_activity_query_size: left out",
            len(truncated),
        )
    tally = Tally(ACTIVITY, max_samples=max_samples)
    for seen in runs.values():
        texts = [t for t in sqltext.split(seen.text) if sqltext.is_workload(t)]
        for text in texts:
            tally.add(text, seen.running_s * 1000.0 / len(texts))
    return tally.result()
