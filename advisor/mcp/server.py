"""``build()``: the MCP server with its tools, resources and prompt; ``serve()``: run it.

Built on the official SDK's ``MCPServer``. Over stdio (what desktop assistants start), or
streamable HTTP on ``host:port`` (127.0.0.1 by default, where the SDK also checks the Host and
Origin headers against DNS rebinding). Tools run on worker threads, each call on its own
read-only session, so a long analysis does not block the next request.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
import psycopg
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.resources import ResourceSecurity
from mcp.types import Resource, ToolAnnotations

from advisor import __version__
from advisor.db import session
from advisor.errors import AdvisorError
from advisor.mcp import prompts, resources
from advisor.mcp.config import McpConfig
from advisor.mcp.tools import Tools

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
pg advisor: PostgreSQL index advice proven with HypoPG hypothetical indexes and EXPLAIN, index
review, schema and migration lint, per-table reports. Every tool is read-only: statements are
planned with EXPLAIN, never run, and no index is built (the summaries give the `advisor apply`
command for that). Start with top_statements or analyze_workload for the whole database;
explain and analyze_queries for one slow statement; table_report for "this table is slow".
"""

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)


class AdvisorServer(MCPServer[Any]):
    """``MCPServer`` whose resource list also names each table, read when a client asks."""

    def __init__(self, config: McpConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config

    async def list_resources(self) -> list[Resource]:
        """The static resources, then one per table. When the database cannot be read, the
        static ones only: clients list resources on connecting, and ``advisor://tables`` then
        says what is wrong when it is read."""
        listed = await super().list_resources()
        try:
            tables = await anyio.to_thread.run_sync(resources.list_tables, self.config)
        except (AdvisorError, psycopg.Error) as exc:
            reason = str(exc) if isinstance(exc, AdvisorError) else session.safe_message(exc)
            log.warning("cannot list the tables: %s", reason)
            return listed
        return listed + [
            Resource(
                uri=t.uri,
                name=t.label,
                title=f"{resources.KINDS.get(t.kind, t.kind)} {t.label}",
                description=f"about {t.rows:,.0f} rows, about {t.size_bytes:,} bytes "
                "(planner estimates)",
                mime_type="application/json",
            )
            for t in tables
        ]


def build(config: McpConfig) -> AdvisorServer:
    server = AdvisorServer(
        config,
        name="pg-advisor",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level="WARNING",
    )
    tools = Tools(config)
    for tool in (
        tools.analyze_workload,
        tools.analyze_queries,
        tools.explain,
        tools.review_indexes,
        tools.table_report,
        tools.top_statements,
        tools.lint_schema,
        tools.lint_migration,
    ):
        server.add_tool(tool, annotations=READ_ONLY)
    if config.has_store:
        server.add_tool(tools.weekly_report, annotations=READ_ONLY)
    _add_resources(server, config)
    server.prompt(name=prompts.INVESTIGATE_SLOW_QUERY, title="Investigate a slow query")(
        prompts.investigate_slow_query
    )
    return server


def _add_resources(server: AdvisorServer, config: McpConfig) -> None:
    @server.resource(
        resources.TABLES_URI,
        name="tables",
        title="Tables",
        description="Every table of the database: name, kind, rows and size (estimates).",
        mime_type="application/json",
    )
    def tables() -> str:
        return resources.tables_document(config)

    @server.resource(
        resources.TABLE_TEMPLATE,
        name="table",
        title="One table",
        description="One table: sizes, statistics, indexes, statements, locks "
        "(advisor table NAME --no-advice --format json).",
        mime_type="application/json",
        # the names are looked up in the catalog, never used as paths: any name is fine
        security=ResourceSecurity(exempt_params=frozenset({"schema", "name"})),
    )
    def table(schema: str, name: str) -> str:
        return resources.table_document(config, schema, name)


def serve(config: McpConfig, *, port: int | None = None, host: str = "127.0.0.1") -> None:
    """Serve over stdio, or over streamable HTTP at ``http://host:port/mcp`` when ``port``."""
    server = build(config)
    if port is None:
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=port)
