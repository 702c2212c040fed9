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


def seconds_since(since: datetime, now: datetime | None = None) -> float:
    """Seconds from ``since`` to ``now`` (default: the clock)."""
    return ((now or datetime.now(since.tzinfo)) - since).total_seconds()


def stats_age(facts: dict[str, Any], now: datetime | None = None) -> StatsAge:
    """The age of this database's statistics at ``now`` (default: the clock), from the server
    facts (``read_facts``): the one computation the server check and the review share."""
    since = facts["table_stats_reset"] or facts["postmaster_start"]
    return StatsAge(seconds_since(since, now), since)


def index_stats_age(conn: psycopg.Connection[Any]) -> float:
    """Seconds this database's statistics have been counting, now."""
    return max(stats_age(read_facts(conn)).seconds, 0.0)
