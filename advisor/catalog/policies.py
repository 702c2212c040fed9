"""Row-level security policies, read by one query for analyze and lint alike."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.catalog.rows import build
from advisor.db import queries
from advisor.model import Policy, TableRef


def read_policies(conn: psycopg.Connection[Any]) -> tuple[Policy, ...]:
    """Every policy on a user table, by schema, table and name."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(queries.load("catalog_policies")).fetchall()
    return tuple(build(Policy, r, table=TableRef(r["schema"], r["table_name"])) for r in rows)
