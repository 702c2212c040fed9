"""What apply reads before and after it writes: the server's role, the state of one index, and
the partition tree under a table with the indexes on it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from psycopg.rows import class_row, dict_row

from advisor.apply.errors import ForeignPlan, StandbyRefused
from advisor.apply.source import Source
from advisor.collect.server import system_identifier
from advisor.db import ddl, queries, session
from advisor.db.partitioned import IndexOnPartition, PartitionNode, tree
from advisor.model import TableRef


@dataclass(frozen=True)
class ServerState:
    in_recovery: bool
    version_num: int
    database: str
    pid: int
    system_identifier: str | None = None


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

    def indexes(self, schema: str, table: str, *, partitioned: bool = False) -> bool:
        """Whether it is an index on that table (``partitioned``: an index on a partitioned
        table, relkind ``I``)."""
        kind = "I" if partitioned else "i"
        return self.kind == kind and (self.table_schema, self.table_name) == (schema, table)


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
    return replace(row, system_identifier=system_identifier(conn))


def foreign_plan(source: Source, server: ServerState) -> str | None:
    """Why the plan of ``source`` is not for this server (another database or another cluster,
    as the plan recorded them), or None when it is, or when the plan does not say."""
    here = f"database {server.database}"
    if source.database is not None and source.database != server.database:
        return f"the plan {source.path} was made on database {source.database}, not on {here}"
    if (
        source.system_identifier is not None
        and server.system_identifier is not None
        and source.system_identifier != server.system_identifier
    ):
        return (
            f"the plan {source.path} was made on another cluster (system identifier "
            f"{source.system_identifier}, this one is {server.system_identifier}) with a {here}"
        )
    return None


def check_plan_is_for(source: Source, server: ServerState, *, force: bool) -> str | None:
    """Refuse a plan made elsewhere unless ``force``; the reason, when forced, to be said."""
    reason = foreign_plan(source, server)
    if reason is not None and not force:
        raise ForeignPlan(reason, "check --dsn, or pass --force to build it here anyway")
    return reason


def index_state(conn: psycopg.Connection[Any], schema: str, name: str) -> IndexState | None:
    with conn.cursor(row_factory=class_row(IndexState)) as cur:
        return cur.execute(
            queries.load("apply_index_state"), {"schema": schema, "name": name}
        ).fetchone()


def table_schema(conn: psycopg.Connection[Any], table: str) -> str | None:
    """The schema an unqualified table name resolves to through the session's search_path."""
    row = conn.execute(queries.load("apply_table_schema"), {"table": ddl.display(table)}).fetchone()
    return None if row is None else str(row[0])


def partition_tree(conn: psycopg.Connection[Any], table: TableRef) -> PartitionNode | None:
    """The partition tree under ``table`` as it is now, None when ``table`` is not partitioned."""
    params = {"schema": table.schema, "table": table.name}
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(queries.load("apply_partition_tree"), params).fetchall()
        if not rows or rows[0]["kind"] != "p":
            return None
        # every name quoted: the definitions are only parsed (``IndexOnPartition``)
        with session.pinned(conn, "quote_all_identifiers", "on"):
            found = cur.execute(queries.load("apply_partition_indexes"), params).fetchall()
    edges: dict[TableRef, list[tuple[TableRef, str]]] = defaultdict(list)
    for r in rows[1:]:
        parent = TableRef(r["parent_schema"], r["parent_name"])
        edges[parent].append((TableRef(r["schema"], r["name"]), r["kind"]))
    indexes: dict[TableRef, list[IndexOnPartition]] = defaultdict(list)
    for r in found:
        attached = (r["parent_schema"], r["parent_name"]) if r["parent_name"] else None
        indexes[TableRef(r["schema"], r["table_name"])].append(
            IndexOnPartition(r["name"], r["definition"], r["is_valid"], attached)
        )
    return tree(table, "p", edges, lambda ref: indexes.get(ref, ()))
