"""Read the workload from pg_stat_statements, merged by the parser's fingerprint.

Drivers that bind int2/int4/int8 parameters, and different users running the same text, give one
statement several queryids. They are one statement to an index: merge them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from advisor.db import queries
from advisor.model import Statement
from advisor.settings import Settings
from advisor.sources.sqltext import fingerprint


@dataclass(frozen=True)
class _Row:
    queryid: int
    query: str
    calls: int
    total_exec_time: float


def merge(rows: list[_Row]) -> list[Statement]:
    groups: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        groups[fingerprint(row.query)].append(row)
    merged = []
    for members in groups.values():
        lead = max(members, key=lambda r: r.total_exec_time)
        calls = sum(r.calls for r in members)
        total = sum(r.total_exec_time for r in members)
        merged.append(
            Statement(
                queryid=lead.queryid,
                queryids=tuple(sorted({r.queryid for r in members})),
                query=lead.query,
                calls=calls,
                total_exec_ms=total,
                mean_exec_ms=total / calls if calls else 0.0,
            )
        )
    return merged


def read_statements(
    conn: psycopg.Connection[Any], pgss_schema: str, settings: Settings
) -> list[Statement]:
    """The connected database's statements, merged, filtered and ordered by total time."""
    query = queries.load("statements").format(
        pgss=sql.Identifier(pgss_schema, "pg_stat_statements")
    )
    with conn.cursor(row_factory=dict_row) as cur:
        rows = [
            _Row(r["queryid"], r["query"] or "", r["calls"], float(r["total_exec_time"]))
            for r in cur.execute(query)
            if r["queryid"] is not None
        ]
    statements = [
        s
        for s in merge(rows)
        if s.calls >= settings.min_calls and s.total_exec_ms >= settings.min_time_ms
    ]
    statements.sort(key=lambda s: s.total_exec_ms, reverse=True)
    if settings.top is not None:
        statements = statements[: settings.top]
    return statements
