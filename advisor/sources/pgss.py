"""Read the workload from pg_stat_statements, merged by the parser's fingerprint.

Drivers that bind int2/int4/int8 parameters, and different users running the same text, give one
statement several queryids. They are one statement to an index: merge them (``merge.merge`` adds
up the entries of one source). The advisor's own statements are left out (``own``).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from advisor.db import queries
from advisor.model import Statement
from advisor.settings import Settings
from advisor.sources import sqltext
from advisor.sources.merge import merge
from advisor.sources.model import PG_STAT_STATEMENTS, SourcedStatement
from advisor.sources.own import is_advisor_statement


def read(conn: psycopg.Connection[Any], pgss_schema: str) -> list[SourcedStatement]:
    """The connected database's statements, one per fingerprint, most total time first."""
    query = queries.load("statements").format(
        pgss=sql.Identifier(pgss_schema, "pg_stat_statements")
    )
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query).fetchall()
    entries = []
    for row in rows:
        text = row["query"] or ""
        if row["queryid"] is None or is_advisor_statement(text):
            continue
        calls, total = int(row["calls"]), float(row["total_exec_time"])
        statement = Statement(
            queryid=row["queryid"],
            queryids=(row["queryid"],),
            query=text,
            calls=calls,
            total_exec_ms=total,
            mean_exec_ms=total / calls if calls else 0.0,
            source=PG_STAT_STATEMENTS,
        )
        entries.append(
            SourcedStatement(
                statement=statement,
                fingerprint=sqltext.fingerprint(text),
                samples=() if sqltext.has_params(text) else (text,),
                sources=(PG_STAT_STATEMENTS,),
            )
        )
    return merge(entries)


def read_statements(
    conn: psycopg.Connection[Any], pgss_schema: str, settings: Settings
) -> list[Statement]:
    """The statements ``read`` gives, filtered by ``--min-calls``/``--min-time``/``--top``."""
    statements = [
        item.statement
        for item in read(conn, pgss_schema)
        if item.statement.calls >= settings.min_calls
        and item.statement.total_exec_ms >= settings.min_time_ms
    ]
    return statements[: settings.top] if settings.top is not None else statements
