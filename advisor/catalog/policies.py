"""Row-level security policies, read by one query for analyze and lint alike."""

from __future__ import annotations

from typing import Any

import psycopg

from advisor.catalog.rows import read
from advisor.model import Policy


def read_policies(conn: psycopg.Connection[Any]) -> tuple[Policy, ...]:
    """Every policy on a user table, by schema, table and name."""
    return read(conn, "catalog_policies", Policy, table=("schema", "table_name"))
