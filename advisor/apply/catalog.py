"""What apply reads before and after it writes: the server's role, and the state of one index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row

from advisor.apply.errors import StandbyRefused
from advisor.db import ddl, queries


@dataclass(frozen=True)
class ServerState:
    in_recovery: bool
    version_num: int
    database: str
    pid: int


@dataclass(frozen=True)
class IndexState:
    """A relation with the planned index's name in its schema."""

    kind: str  # pg_class.relkind: "i" for an index
    table_schema: str | None
    table_name: str | None
    is_valid: bool
    is_ready: bool
    definition: str | None
    building_pid: int | None  # another backend building it right now

    def indexes(self, schema: str, table: str) -> bool:
        return self.kind == "i" and (self.table_schema, self.table_name) == (schema, table)


def check_not_standby(in_recovery: bool) -> None:
    """Refuse a server in recovery: a hot standby is read-only, indexes come from its primary."""
    if in_recovery:
        raise StandbyRefused(
            "the server is a hot standby (pg_is_in_recovery() is true): it cannot build indexes",
            "apply on the primary; the standby gets the index through replication",
        )


def server_state(conn: psycopg.Connection[Any]) -> ServerState:
    with conn.cursor(row_factory=class_row(ServerState)) as cur:
        row = cur.execute(queries.load("apply_server")).fetchone()
    assert row is not None
    return row


def index_state(conn: psycopg.Connection[Any], schema: str, name: str) -> IndexState | None:
    with conn.cursor(row_factory=class_row(IndexState)) as cur:
        return cur.execute(
            queries.load("apply_index_state"), {"schema": schema, "name": name}
        ).fetchone()


def table_schema(conn: psycopg.Connection[Any], table: str) -> str | None:
    """The schema an unqualified table name resolves to through the session's search_path."""
    row = conn.execute(queries.load("apply_table_schema"), {"table": ddl.display(table)}).fetchone()
    return None if row is None else str(row[0])
