"""The MCP tools: each a thin wrapper over the library call of one ``advisor`` command.

A tool returns what that command prints with ``--format json`` (the same renderer, so the same
JSON), as structured content and as JSON text, after a short summary for the model
(``summary``). Every input is bounded in the tool's schema (``inputs``) and checked; a refusal
or any ``AdvisorError`` / server error comes back as a tool error of one line, and the server
goes on serving. No tool runs SQL it was given: statements are only planned (``explain``), and
no tool builds an index or writes to the database.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import psycopg
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent

from advisor.collect import server as server_mod
from advisor.db import session
from advisor.errors import AdvisorError, AnalysisAborted
from advisor.mcp import explain as explain_mod
from advisor.mcp import summary
from advisor.mcp.config import McpConfig
from advisor.mcp.inputs import (
    HypotheticalIndexes,
    Limit,
    MaxIndexes,
    MigrationText,
    MinCalls,
    OrderBy,
    Period,
    Queries,
    Query,
    Size,
    TableName,
    Top,
)
from advisor.model import Statement
from advisor.render import json as render_json
from advisor.settings import parse_size
from advisor.sources.pgss import read_statements
from advisor.sources.workload import SourceOptions

REPORT_TOP = 10  # rows per top list of the weekly report, as ``advisor report`` prints them

_ORDER_KEYS = {
    "total_time": lambda s: s.total_exec_ms,
    "mean_time": lambda s: s.mean_exec_ms,
    "calls": lambda s: s.calls,
}


@contextlib.contextmanager
def tool_errors() -> Iterator[None]:
    """Turn the advisor's errors into a tool error the model can read: one line, no password."""
    try:
        yield
    except AdvisorError as err:
        raise ToolError(str(err)) from None
    except psycopg.Error as exc:
        raise ToolError(session.safe_message(exc)) from None


def result(text: str, rendered: str) -> CallToolResult:
    """A summary, then the JSON document ``rendered`` as text and as structured content."""
    return CallToolResult(
        content=[TextContent(type="text", text=text), TextContent(type="text", text=rendered)],
        structured_content=json.loads(rendered),
    )


def _dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, default=str) + "\n"


class Tools:
    """The tools, bound to one configuration; each method's docstring is its description."""

    def __init__(self, config: McpConfig) -> None:
        self.config = config

    def analyze_workload(
        self,
        max_indexes: MaxIndexes = None,
        max_size: Size = None,
        min_calls: MinCalls = 1,
        top: Top = None,
    ) -> CallToolResult:
        """Index advice for the database's live workload (pg_stat_statements): candidate indexes
        proven with HypoPG hypothetical indexes and EXPLAIN, chosen workload-wide under the
        budget, weighing write costs; plus the review of the existing indexes. The JSON of
        `advisor analyze --format json`. Read-only: nothing is built."""
        from advisor.pipeline import analyze

        with tool_errors():
            settings = self.config.settings(
                max_indexes=max_indexes,
                max_size_bytes=parse_size(max_size) if max_size else None,
                min_calls=min_calls,
                top=top,
            )
            report = analyze(
                self.config.dsn, settings, sources=SourceOptions(), run=self.config.run()
            )
            rendered = render_json.render(report)
            args = []
            for option, value in (
                ("--max-indexes", max_indexes),
                ("--max-size", max_size),
                ("--min-calls", None if min_calls == 1 else min_calls),
                ("--top", top),
            ):
                if value is not None:
                    args += [option, str(value)]
            return result(summary.analysis(json.loads(rendered), args), rendered)

    def analyze_queries(self, queries: Queries, max_size: Size = None) -> CallToolResult:
        """Index advice for the given statements alone (not the live workload): each one
        SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES or WITH, with $1, $2 ... parameters or
        literals; planned with EXPLAIN (never run) against the live schema and statistics,
        candidates proven with HypoPG. The JSON of `advisor analyze --no-pg-stat-statements
        --no-review --query ... --format json`. Read-only: nothing is built."""
        from advisor.pipeline import analyze

        with tool_errors():
            explain_mod.check_statements(
                self.config.dsn,
                queries,
                statement_timeout_ms=self.config.statement_timeout_ms,
                lock_timeout_ms=self.config.lock_timeout_ms,
            )
            settings = self.config.settings(
                max_size_bytes=parse_size(max_size) if max_size else None
            )
            sources = SourceOptions(use_pg_stat_statements=False, queries=tuple(queries))
            run = self.config.run(review=False)
            report = analyze(self.config.dsn, settings, sources=sources, run=run)
            rendered = render_json.render(report)
            args = ["--no-pg-stat-statements", "--no-review"]
            for query in queries:
                args += ["--query", query]
            if max_size:
                args += ["--max-size", max_size]
            return result(summary.analysis(json.loads(rendered), args), rendered)

    def explain(
        self, query: Query, hypothetical_indexes: HypotheticalIndexes | None = None
    ) -> CallToolResult:
        """The plan of one statement (SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES or WITH):
        the generic plan when it has $n parameters, else the plan for its literals; before and
        after the given CREATE INDEX statements made hypothetical with HypoPG. Costs, the
        indexes read, the plan as JSON and as a compact tree. EXPLAIN without ANALYZE in a
        read-only transaction: the statement is never run, nothing is built; statements that
        call a volatile (possibly writing) function are refused."""
        with tool_errors():
            doc = explain_mod.explain(
                self.config.dsn,
                query,
                hypothetical_indexes or (),
                statement_timeout_ms=self.config.statement_timeout_ms,
                lock_timeout_ms=self.config.lock_timeout_ms,
            )
            return result(summary.explain(doc), _dumps(doc))

    def review_indexes(self) -> CallToolResult:
        """The review of the existing indexes: unused, duplicate, redundant, invalid, foreign
        keys without an index; each drop with its proof (no workload plan reads the index) and
        its restore statement. The `findings` of `advisor analyze --format json`, same module,
        same answer. Read-only: nothing is dropped."""
        from advisor.pipeline import analyze

        with tool_errors():
            # no index may be recommended: the selection then has nothing to search, and the
            # findings, which depend only on the workload's plans, come out as analyze's
            report = analyze(
                self.config.dsn,
                self.config.settings(max_indexes=0),
                sources=SourceOptions(),
                run=self.config.run(),
            )
            full = render_json.to_dict(report)
            doc = {"server": full["server"], "findings": full["findings"]}
            return result(summary.findings(doc), _dumps(doc))

    def table_report(self, name: TableName) -> CallToolResult:
        """Everything about one table, for "this table is slow": sizes, rows, vacuum and
        analyze history, scans, its indexes (with review findings), the workload statements
        that touch it with their advice, current locks, and the recommended indexes on it.
        The JSON of `advisor table NAME --format json`."""
        from advisor.table_view.build import inspect_table
        from advisor.table_view.render import render_json

        with tool_errors():
            view = inspect_table(
                self.config.dsn,
                name,
                advice=self.config.settings(),
                statement_timeout_ms=self.config.statement_timeout_ms,
                lock_timeout_ms=self.config.lock_timeout_ms,
            )
            rendered = render_json(view)
            return result(summary.table(json.loads(rendered)), rendered)

    def top_statements(self, order_by: OrderBy = "total_time", limit: Limit = 10) -> CallToolResult:
        """The statements that cost the most, from pg_stat_statements (queryids of one
        statement merged), by total time, mean time or calls; each as the statement lists of
        `advisor analyze --format json` show it. The advisor's own statements are left out."""
        with tool_errors():
            info, statements = self._statements()
            statements.sort(key=_ORDER_KEYS[order_by], reverse=True)
            doc = {
                "database": info.database,
                "stats_since": info.stats_since,
                "order_by": order_by,
                "limit": limit,
                "total_statements": len(statements),
                "statements": [render_json.query(s) for s in statements[:limit]],
            }
            return result(summary.top(doc), _dumps(doc))

    def _statements(self) -> tuple[Any, list[Statement]]:
        conn = session.connect(
            self.config.dsn,
            statement_timeout_ms=self.config.statement_timeout_ms,
            lock_timeout_ms=self.config.lock_timeout_ms,
        )
        try:
            server = server_mod.check(conn, require_hypopg=False)
            assert server.pgss_schema is not None  # check() requires pg_stat_statements
            found = read_statements(conn, server.pgss_schema, self.config.settings())
        except psycopg.OperationalError as exc:
            raise AnalysisAborted(f"connection lost: {session.safe_message(exc)}") from None
        finally:
            conn.close()
        return server.info, found  # the reader leaves the advisor's own statements out

    def lint_schema(self) -> CallToolResult:
        """The live schema checked against the schema architect's checklist (NUMERIC money,
        TIMESTAMPTZ, indexed foreign keys, primary keys, RLS that performs, sequences near
        exhaustion, ...). The JSON of `advisor lint --format json`."""
        from advisor.lint import live
        from advisor.lint.render import LintFormat, render
        from advisor.lint.run import build_config

        with tool_errors():
            report = live.lint(self.config.dsn, build_config(None))
            rendered = render(report, LintFormat.json)
            return result(summary.lint(json.loads(rendered)), rendered)

    def lint_migration(self, sql_text: MigrationText) -> CallToolResult:
        """One migration's SQL checked for locks and rewrites that hurt in production
        (CREATE INDEX without CONCURRENTLY, NOT NULL or types that rewrite, constraints that
        scan, missing lock_timeout, ...), each finding weighed by the size of the table it
        touches in this database. The SQL is parsed, never run. The JSON of `advisor lint
        --migration migration.sql --dsn ... --format json`."""
        from advisor.lint.migration.run import lint_text
        from advisor.lint.render import LintFormat, render
        from advisor.lint.run import build_config

        with tool_errors():
            report = lint_text(sql_text, build_config(None), dsn=self.config.dsn, use_database=True)
            rendered = render(report, LintFormat.json)
            return result(summary.lint(json.loads(rendered)), rendered)

    def weekly_report(self, since: Period = "7d") -> CallToolResult:
        """The weekly report from the stored snapshots: top statements and their change over
        the previous period, regressions, growth, unused and applied indexes, and the current
        advice. The JSON of `advisor report --no-snapshot --format json`; takes no snapshot and
        writes nothing (snapshots come from the scheduled `advisor snapshot`)."""
        from advisor.history.periods import parse_period
        from advisor.history.store import open_store
        from advisor.report import json as report_json
        from advisor.report.build import ReportOptions
        from advisor.report.run import run_report

        with tool_errors():
            options = ReportOptions(since_seconds=parse_period(since), top=REPORT_TOP)
            with open_store(self.config.store) as store:
                built = run_report(
                    self.config.dsn,
                    store,
                    options=options,
                    snapshot=False,
                    advice=self.config.settings(),
                    run=self.config.run(),
                    record=False,
                )
            rendered = report_json.render(built)
            return result(summary.weekly(json.loads(rendered)), rendered)
