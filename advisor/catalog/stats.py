"""How long the cumulative index statistics (``idx_scan``) have been counting.

Since ``pg_stat_database.stats_reset``, else since the server started: a lower bound, since the
counters survive clean restarts and a crash restarts them with the server. Every verdict of
"unused" compares this age with ``--min-stats-age``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from advisor.catalog.facts import read_facts


@dataclass(frozen=True)
class StatsAge:
    seconds: float
    since: datetime  # the reset, or the server start


def read_stats_age(conn: psycopg.Connection[Any]) -> StatsAge | None:
    """The age of this database's statistics, None when unknown."""
    row = read_facts(conn)
    if row["table_stats_age_seconds"] is None:
        return None
    since = row["table_stats_reset"] or row["postmaster_start"]
    return StatsAge(max(float(row["table_stats_age_seconds"]), 0.0), since)


def index_stats_age(conn: psycopg.Connection[Any]) -> float | None:
    """Seconds this database's statistics have been counting, None when unknown."""
    age = read_stats_age(conn)
    return None if age is None else age.seconds
