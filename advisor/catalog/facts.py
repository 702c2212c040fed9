"""One row of facts about the server, this database and the connected role.

The server's version and extensions, the statistics' age, the search path, the cluster's system
identifier: every module that needs one of them reads this one row (``queries/server_info.sql``).
Where the analysis session stays tracked by pg_stat_statements, every distinct statement text it
runs is an entry taken from the workload (issue 16); one text for all these facts is one entry.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.db import queries


def read_facts(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(queries.load("server_info")).fetchone()
    assert row is not None  # a SELECT without FROM returns its one row
    return row


def search_path_of(facts: dict[str, Any]) -> tuple[str, ...]:
    """The schemas an unqualified name is looked up in, in order."""
    return tuple(facts["schemas"]) if facts["schemas"] else ("public",)
