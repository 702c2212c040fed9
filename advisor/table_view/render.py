"""``advisor table`` output: plain text for the terminal, Markdown, or JSON (keys only added).

JSON keys: ``schema``, ``table``, ``kind``, ``sizes``, ``rows``, ``maintenance``, ``access``,
``columns`` (each with ``type``, ``not_null``, the ``pg_stats`` figures ``null_frac``,
``n_distinct`` (as pg_stats has it: below 0, minus a fraction of the rows), ``distinct_estimate``,
``correlation``, ``avg_width``, and ``leading_indexes``), ``indexes`` (each with ``findings``),
``statements`` (each with ``advice`` and ``reason``), ``locks``, ``recommendations`` (the shape
of ``advisor analyze --format json``), ``advice_note``, ``notes``.

Text fits the output width (``advisor.render.layout``); every Markdown table has a header row.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from advisor.render import layout
from advisor.render.figures import saving, window_line
from advisor.render.json import plan_risk, recommendation, time_vs_cost
from advisor.report import fmt
from advisor.table_view.model import ColumnInfo, TableView

NO_ADVICE = "No new index on this table would improve the workload."
_KINDS = {"r": "table", "p": "partitioned table", "m": "materialized view"}


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _time(value: datetime | None) -> str:
    return "never" if value is None else value.strftime("%Y-%m-%d %H:%M %Z").strip()


def _last(manual: datetime | None, auto: datetime | None) -> str:
    return f"{_time(manual)} (manual), {_time(auto)} (auto)"


def _fraction(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}" if value >= 0.01 or value == 0 else "<1%"


def _distinct(column: ColumnInfo, rows: float) -> str:
    estimate = column.distinct_estimate(rows)
    if column.n_distinct is None or estimate is None:
        return "–"
    if column.n_distinct == -1:
        return "unique"
    if column.n_distinct < 0:
        return f"~{fmt.count(round(estimate))} ({-column.n_distinct:.0%})"
    return fmt.count(round(estimate))


def _correlation(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def render_text(view: TableView, *, markdown: bool = False, width: int | None = None) -> str:
    limit = width or layout.output_width()

    def table(rows: list[list[object]], headers: list[str], wrap_first: list[int]) -> str:
        return layout.table(rows, headers, width=limit, markdown=markdown, wrap_first=wrap_first)

    def para(text: str, indent: str = "", hang: str = "") -> str:
        return layout.block(text, limit, markdown=markdown, indent=indent, hang=hang)

    h1, h2 = ("# ", "## ") if markdown else ("", "")
    s, z = view.stats, view.sizes
    out = [f"{h1}{view.ref} ({_KINDS.get(s.kind, s.kind)})", ""]
    out += [f"> {n}" if markdown else para(n, indent="note: ", hang="      ") for n in view.notes]
    estimate = "" if z.exact else " (estimated)"
    facts: list[list[object]] = [
        ["size", f"{fmt.size(z.total_bytes)}{estimate}: heap {fmt.size(z.heap_bytes)}, indexes "
                 f"{fmt.size(z.index_bytes)}, TOAST {fmt.size(z.toast_bytes)}"],
        ["rows", f"{fmt.count(s.live_rows or 0)} live, {fmt.count(s.dead_rows or 0)} dead "
                 f"({_ratio(s.dead_ratio)}); planner estimate {s.reltuples:,.0f}; "
                 f"{fmt.count(s.modified_since_analyze or 0)} changed since the last analyze"],
        ["vacuum", _last(s.last_vacuum, s.last_autovacuum)
                   + f"; {s.vacuum_count} + {s.autovacuum_count} runs"],
        ["analyze", _last(s.last_analyze, s.last_autoanalyze)
                    + f"; {s.analyze_count} + {s.autoanalyze_count} runs"],
        ["scans", f"{fmt.count(s.seq_scans)} sequential ({fmt.count(s.seq_rows_read)} rows "
                  f"read), {fmt.count(s.index_scans)} by index ({_ratio(s.index_scan_ratio)} of "
                  f"scans)"],
        ["writes", f"{fmt.count(s.inserted)} inserted, {fmt.count(s.updated)} updated "
                   f"({_ratio(s.hot_ratio)} HOT), {fmt.count(s.deleted)} deleted"],
        ["counters since", _time(s.stats_reset) if s.stats_reset else "the server's start"],
    ]  # fmt: skip
    if markdown:
        out += [table(facts, ["fact", "value"], [1]), ""]
    else:
        out += [layout.table(facts, [], width=limit, wrap_first=[1], plain=True), ""]

    out += [f"{h2}Columns", ""]
    if view.columns:
        out.append(table(
            [[c.name, c.type, "not null" if c.not_null else "null", _fraction(c.null_frac),
              _distinct(c, s.reltuples), _correlation(c.correlation),
              ", ".join(c.leads)] for c in view.columns],
            ["column", "type", "nullable", "nulls", "distinct", "correlation",
             "leads index"], [6, 1],
        ))  # fmt: skip
        if not markdown and any(c.null_frac is None for c in view.columns):
            out.append(para("(–: no statistics yet; ANALYZE the table to get them)"))
    else:
        out.append("No column.")
    out.append("")

    out += [f"{h2}Indexes", ""]
    if view.indexes:
        out.append(table(
            [[i.index.name, fmt.size(i.index.size_bytes), fmt.count(i.index.scans),
              fmt.count(i.index.tup_read),
              fmt.short(i.index.definition.split(" USING ", 1)[-1], 50), "; ".join(i.findings)]
             for i in view.indexes],
            ["index", "size", "scans", "tuples read", "definition", "findings"], [5, 4],
        ))  # fmt: skip
    else:
        out.append("No index.")
    out.append("")

    out += [f"{h2}Workload statements", ""]
    if view.statements:
        out.append(table(
            [[t.statement.queryid, fmt.count(t.statement.calls), fmt.ms(t.statement.total_exec_ms),
              fmt.ms(t.statement.mean_exec_ms), fmt.short(t.statement.query, 60),
              ", ".join(t.advice) if t.advice else (t.reason or "")]
             for t in view.statements],
            ["queryid", "calls", "total", "mean", "statement", "advice"], [5, 4],
        ))  # fmt: skip
        for t in view.statements:
            for judged in (t.time_vs_cost, t.plan_risk):  # the notes analyze gives, as it does
                if judged is not None:
                    said = f"{fmt.short(t.statement.query, 60)}: {judged.note}"
                    out.append(para(said, indent="- ", hang="  "))
    else:
        out.append("No statement in pg_stat_statements touches this table.")
    out.append("")

    out += [f"{h2}Locks", ""]
    if view.locks:
        out.append(table(
            [[lock.pid, lock.relation, lock.mode, "held" if lock.granted else "WAITING",
              ", ".join(map(str, lock.blocked_by)) or "", lock.state or "",
              fmt.ms((lock.transaction_seconds or 0) * 1000), fmt.short(lock.query or "", 40)]
             for lock in view.locks],
            ["pid", "relation", "mode", "status", "blocked by", "state", "in transaction",
             "query"], [7, 1],
        ))  # fmt: skip
    else:
        out.append("No other session holds or waits for a lock on it.")
    out.append("")

    out += [f"{h2}Recommendations", ""]
    window = window_line(view.window) if view.recommendations else None
    if window:
        out += [para(window), ""]
    if view.recommendations:
        for rec in view.recommendations:
            out.append(para(
                f"- {rec.spec.describe()}: {saving(rec, view.window)} on "
                f"{fmt.plural(len(rec.effects), 'statement')}", hang="  ",
            ))  # fmt: skip
            if markdown:
                out.append(f"  `{rec.create_sql};`")
            else:
                out.append(layout.sql(f"{rec.create_sql};", limit, indent="  "))
    else:
        out.append(para(view.advice_note or NO_ADVICE))
    return "\n".join(out).rstrip() + "\n"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def to_dict(view: TableView) -> dict[str, Any]:
    s, z = view.stats, view.sizes
    return {
        "schema": view.ref.schema,
        "table": view.ref.name,
        "kind": _KINDS.get(s.kind, s.kind),
        "sizes": {
            "total_bytes": z.total_bytes,
            "heap_bytes": z.heap_bytes,
            "index_bytes": z.index_bytes,
            "toast_bytes": z.toast_bytes,
            "exact": z.exact,
        },
        "rows": {
            "live": s.live_rows,
            "dead": s.dead_rows,
            "dead_ratio": s.dead_ratio,
            "reltuples": s.reltuples,
            "modified_since_analyze": s.modified_since_analyze,
        },
        "maintenance": {
            "last_vacuum": _iso(s.last_vacuum),
            "last_autovacuum": _iso(s.last_autovacuum),
            "last_analyze": _iso(s.last_analyze),
            "last_autoanalyze": _iso(s.last_autoanalyze),
            "vacuum_count": s.vacuum_count,
            "autovacuum_count": s.autovacuum_count,
            "analyze_count": s.analyze_count,
            "autoanalyze_count": s.autoanalyze_count,
        },
        "access": {
            "seq_scans": s.seq_scans,
            "seq_rows_read": s.seq_rows_read,
            "index_scans": s.index_scans,
            "index_rows_fetched": s.index_rows_fetched,
            "index_scan_ratio": s.index_scan_ratio,
            "inserted": s.inserted,
            "updated": s.updated,
            "hot_updated": s.hot_updated,
            "hot_ratio": s.hot_ratio,
            "deleted": s.deleted,
            "stats_reset": _iso(s.stats_reset),
        },
        "columns": [
            {
                "name": c.name,
                "type": c.type,
                "not_null": c.not_null,
                "null_frac": c.null_frac,
                "n_distinct": c.n_distinct,
                "distinct_estimate": c.distinct_estimate(s.reltuples),
                "correlation": c.correlation,
                "avg_width": c.avg_width,
                "leading_indexes": list(c.leads),
            }
            for c in view.columns
        ],
        "indexes": [
            {
                "name": i.index.name,
                "method": i.index.method,
                "keys": list(i.index.keys),
                "include": list(i.index.include),
                "predicate": i.index.predicate,
                "definition": i.index.definition,
                "unique": i.index.is_unique,
                "primary": i.index.is_primary,
                "valid": i.index.is_valid,
                "size_bytes": i.index.size_bytes,
                "scans": i.index.scans,
                "tuples_read": i.index.tup_read,
                "findings": list(i.findings),
            }
            for i in view.indexes
        ],
        "statements": [
            {
                "queryid": t.statement.queryid,
                "queryids": list(t.statement.queryids),
                "query": t.statement.query,
                "calls": t.statement.calls,
                "total_exec_ms": round(t.statement.total_exec_ms, 3),
                "mean_exec_ms": round(t.statement.mean_exec_ms, 4),
                "advice": list(t.advice),
                "reason": t.reason,
                "planner_misjudged": t.time_vs_cost is not None,
                "time_vs_cost": time_vs_cost(t.time_vs_cost),
                "plan_risk": plan_risk(t.plan_risk),
            }
            for t in view.statements
        ],
        "locks": [
            {
                "pid": lock.pid,
                "relation": lock.relation,
                "mode": lock.mode,
                "granted": lock.granted,
                "blocked_by": list(lock.blocked_by),
                "username": lock.username,
                "application": lock.application,
                "state": lock.state,
                "wait_event": lock.wait_event,
                "transaction_seconds": lock.transaction_seconds,
                "query_seconds": lock.query_seconds,
                "query": lock.query,
            }
            for lock in view.locks
        ],
        "recommendations": [recommendation(r, view.window) for r in view.recommendations],
        "window_seconds": view.window.seconds if view.window else None,
        "window_start": view.window.start_iso if view.window else None,
        "window": view.window.describe() if view.window else None,
        "advice_note": view.advice_note,
        "notes": list(view.notes),
    }


def render_json(view: TableView) -> str:
    return json.dumps(to_dict(view), indent=2) + "\n"
