"""Recognise the advisor's own statements in pg_stat_statements, to keep them out of workloads.

The advisor turns statement tracking off for its sessions where its role may
(``db/session.py``), so normally it leaves nothing to recognise. Where it may not, or for entries
an older version left, this tells them apart: every query file starts with a comment line, and
pg_stat_statements keeps comments, so a statement that starts with one of those lines is ours; so
are the session settings, HypoPG calls, generic-plan switches, prepared statements named
``advisor_*`` and the ``EXPLAIN (FORMAT JSON ...)`` the analysis runs on the workload (they plan,
never execute). ``DEALLOCATE $1`` (PostgreSQL 17+ normalizes every DEALLOCATE so) is a utility
statement no index can help, whoever ran it.
"""

from __future__ import annotations

import functools
import re

from advisor.db import queries

_EXPLAIN = re.compile(
    r"^\s*EXPLAIN\s*\((VERBOSE, )?FORMAT JSON(, GENERIC_PLAN)?\)\s*", re.IGNORECASE
)
_OURS = re.compile(
    r"^(SELECT pg_catalog\.set_config\(\$1, \$2, (\$3|false)\)"
    r"|SELECT \S*hypopg_\w+\("
    r"|SELECT max\(oid\) FROM pg_catalog\.pg_class WHERE oid < \$1$"  # HypoPG's own probe
    r"|SELECT pg_catalog\.current_setting\(\$1, \$2\)$"  # the tracking level, once
    r"|SET plan_cache_mode"
    r"|DEALLOCATE \$1$"
    r"|(PREPARE|DEALLOCATE|EXECUTE) \"?advisor_)",
    re.IGNORECASE,
)


# first lines of query files since folded into others: an older version's entries still start so
_RETIRED = (
    "-- One row describing the server and what this role may see.",
    "-- The cluster's system identifier (pg_control), which tells one cluster from another"
    " even when",
    "-- The schemas an unqualified table name is looked up in, in order (temp schema excluded).",
    "-- Extensions created in this database, and the ones the server could create.",
    "-- How long this database's cumulative statistics (idx_scan among them) have been counting:",
    "-- For the rest of this transaction, resolve and print names against pg_catalog only, so that",
    "-- HypoPG's estimate of a hypothetical index's size, in bytes.",
    "-- Create one hypothetical index from its CREATE INDEX text (bound as a parameter).",
)


@functools.cache
def _first_lines() -> re.Pattern[str]:
    """One pattern for the first comment lines of all query files (``{name}`` matches anything),
    and of the retired ones."""
    patterns = [re.escape(line) for line in _RETIRED]
    for name in queries.names():
        text = queries.load(name).as_string().lstrip()
        first = text.splitlines()[0].strip() if text else ""
        if first.startswith("--") and len(first) > 12:
            patterns.append(re.sub(r"\\\{\w+\\\}", ".*?", re.escape(first)))
    return re.compile("|".join(patterns) or "(?!)")


@functools.lru_cache(maxsize=65536)
def is_advisor_statement(query: str) -> bool:
    """True for the advisor's own statements, and for the EXPLAINs it runs on the workload."""
    if _EXPLAIN.match(query):
        return True
    text = query.lstrip()
    if _OURS.match(text):
        return True
    first = text.splitlines()[0].strip() if text else ""
    return _first_lines().fullmatch(first) is not None
