"""``advisor mcp``: serve the advisor's tools to AI assistants (stdio, or HTTP with ``--http``)."""

from __future__ import annotations

from typing import Annotated

import typer

from advisor.cli.options import (
    OUTPUT,
    DsnOpt,
    LockTimeoutOpt,
    StatementTimeoutOpt,
    StoreOpt,
    fail,
    say,
)
from advisor.errors import AdvisorError
from advisor.settings import parse_duration_ms


def mcp(
    dsn: DsnOpt = None,
    store: StoreOpt = None,
    http: Annotated[
        int | None,
        typer.Option("--http", min=1, max=65535, metavar="PORT",
                     help="Serve streamable HTTP on this port (endpoint /mcp) instead of stdio.",
                     rich_help_panel=OUTPUT),
    ] = None,
    host: Annotated[
        str,
        typer.Option("--host", metavar="ADDRESS",
                     help="With --http: the address to bind (keep it local).",
                     rich_help_panel=OUTPUT),
    ] = "127.0.0.1",
    statement_timeout: StatementTimeoutOpt = "10s",
    lock_timeout: LockTimeoutOpt = "1s",
) -> None:  # fmt: skip
    """Serve the advisor to AI assistants over the Model Context Protocol; read-only.

    Tools: analyze_workload, analyze_queries, explain, review_indexes, table_report,
    top_statements, lint_schema, lint_migration, and weekly_report when a snapshot store is
    configured. Statements are only planned (EXPLAIN, never ANALYZE, in read-only
    transactions); no tool runs SQL it is given or builds an index.
    """
    from advisor.mcp.config import McpConfig
    from advisor.mcp.server import serve

    try:
        config = McpConfig(
            dsn=dsn,
            statement_timeout_ms=parse_duration_ms(statement_timeout),
            lock_timeout_ms=parse_duration_ms(lock_timeout),
            store=store,
        )
    except AdvisorError as err:
        raise fail(err) from None
    where = "stdio" if http is None else f"http://{host}:{http}/mcp"
    say(f"advisor mcp: serving on {where} (read-only)")
    serve(config, port=http, host=host)
