"""The schema's tables as MCP resources.

- ``advisor://tables``: every table, partitioned table and materialized view (schema, name,
  kind, rows, size), biggest first, as JSON;
- ``advisor://tables/{schema}/{name}``: one table, the JSON of ``advisor table NAME --no-advice
  --format json`` (exact sizes, statistics, indexes, the statements that touch it, locks).

The resource list names one ``advisor://tables/...`` resource per table (the biggest
``MAX_LISTED``), read from the catalog each time a client asks. The list's rows and sizes are
the planner's estimates from ``pg_class`` (as of the last VACUUM or ANALYZE): they take no lock,
so an exclusively locked table cannot stall a listing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

import psycopg
from mcp.server.mcpserver.exceptions import ResourceError
from psycopg.rows import class_row

from advisor.db import ddl, queries, session
from advisor.errors import AdvisorError
from advisor.mcp.config import McpConfig

TABLES_URI = "advisor://tables"
TABLE_TEMPLATE = "advisor://tables/{schema}/{name}"
MAX_LISTED = 500
KINDS = {"r": "table", "p": "partitioned table", "m": "materialized view"}


@dataclass(frozen=True)
class TableEntry:
    schema: str
    name: str
    kind: str  # pg_class.relkind
    rows: float
    size_bytes: int

    @property
    def label(self) -> str:
        return ddl.display(self.schema, self.name)

    @property
    def uri(self) -> str:
        return f"advisor://tables/{quote(self.schema, safe='')}/{quote(self.name, safe='')}"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "kind": KINDS.get(self.kind, self.kind), "uri": self.uri}


def list_tables(config: McpConfig, limit: int = MAX_LISTED) -> list[TableEntry]:
    """The biggest ``limit`` tables, with the planner's row and size estimates."""
    conn = session.connect(
        config.dsn,
        statement_timeout_ms=config.statement_timeout_ms,
        lock_timeout_ms=config.lock_timeout_ms,
    )
    try:
        with conn.cursor(row_factory=class_row(TableEntry)) as cur:
            return cur.execute(queries.load("mcp_tables"), {"limit": limit}).fetchall()
    finally:
        conn.close()


def _readable(error: Exception) -> ResourceError:
    if isinstance(error, AdvisorError):
        return ResourceError(str(error))
    return ResourceError(session.safe_message(error))


def tables_document(config: McpConfig) -> str:
    """``advisor://tables``: every table, biggest first, as JSON."""
    try:
        entries = list_tables(config)
    except (AdvisorError, psycopg.Error) as exc:
        raise _readable(exc) from None
    doc = {
        "tables": [e.as_json() for e in entries],
        "limit": MAX_LISTED,
        "note": "rows and size_bytes are the planner's estimates (pg_class, as of the last "
        "VACUUM or ANALYZE); read a table's resource for its exact sizes",
    }
    return json.dumps(doc, indent=2) + "\n"


def table_document(config: McpConfig, schema: str, name: str) -> str:
    """``advisor://tables/{schema}/{name}``: ``advisor table NAME --no-advice --format json``."""
    from advisor.table_view.build import inspect_table
    from advisor.table_view.render import render_json

    try:
        view = inspect_table(
            config.dsn,
            ddl.display(schema, name),
            advice=None,
            statement_timeout_ms=config.statement_timeout_ms,
            lock_timeout_ms=config.lock_timeout_ms,
        )
    except (AdvisorError, psycopg.Error) as exc:
        raise _readable(exc) from None
    return render_json(view)
