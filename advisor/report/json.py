"""The weekly report as JSON: a public contract like ``analyze``'s (keys added, never renamed).

Top-level keys: ``database``, ``system_id``, ``server_version``, ``generated_at``, ``period``
(``start``, ``end``, ``previous_start``, ``seconds``; ISO times), ``workload``, ``statements``
(every statement of the period), ``top`` (``total_time``, ``mean_time``, ``calls``: queryids),
``regressions``, ``recommendations`` (the shape of ``advisor analyze --format json``),
``advice_note``, ``applied``, ``unused_indexes``, ``statistics_fixes``, ``taken_back``,
``growth``, ``sizes``, ``trend``, ``notes``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from advisor.render.json import recommendation
from advisor.report.model import StatementLine, WeeklyReport


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def _statement(line: StatementLine) -> dict[str, Any]:
    return {
        "queryid": line.queryid,
        "queryids": list(line.queryids),
        "query": line.query,
        "calls": line.calls,
        "total_exec_ms": round(line.total_exec_ms, 3),
        "mean_exec_ms": round(line.mean_exec_ms, 4),
        "rows": line.rows,
        "shared_blks_read": line.shared_blks_read,
        "previous_calls": line.previous_calls,
        "previous_mean_ms": None
        if line.previous_mean_ms is None
        else round(line.previous_mean_ms, 4),
        "change": line.change.value,
        "change_pct": None if line.change_pct is None else round(line.change_pct, 1),
    }


def to_dict(report: WeeklyReport) -> dict[str, Any]:
    window = report.window
    return {
        "database": report.database,
        "system_id": report.system_id,
        "server_version": report.server_version,
        "generated_at": _iso(report.generated_at),
        "period": {
            "start": _iso(report.period_start),
            "end": _iso(report.period_end),
            "previous_start": _iso(report.previous_start),
            "seconds": report.since_seconds,
            "measured_seconds": (
                None
                if report.period_start is None
                else round(report.period_end - report.period_start, 3)
            ),
        },
        "workload": {
            "calls": report.total_calls,
            "total_exec_ms": round(report.total_exec_ms, 3),
            "database_size_bytes": report.database_size,
            "window_seconds": window.seconds if window else None,
            "window_start": window.start_iso if window else None,
            "window_source": window.source if window else None,
            "window": window.describe() if window else None,
        },
        "statements": [_statement(s) for s in report.statements],
        "top": {
            "total_time": [s.queryid for s in report.top_total],
            "mean_time": [s.queryid for s in report.top_mean],
            "calls": [s.queryid for s in report.top_calls],
        },
        "regressions": [_statement(s) for s in report.regressions],
        "recommendations": [recommendation(r, window) for r in report.recommendations],
        "advice_note": report.advice_note,
        "applied": [
            {
                **{k: v for k, v in asdict(a).items() if k not in ("effects",)},
                "appeared_after": _iso(a.appeared_after),
                "appeared_by": _iso(a.appeared_by),
                "recommended_at": _iso(a.recommended_at),
                "effects": [{**asdict(e), "change_pct": round(e.change_pct, 1)} for e in a.effects],
            }
            for a in report.applied
        ],
        "unused_indexes": [asdict(u) for u in report.unused_indexes],
        "statistics_fixes": [asdict(x) for x in report.statistics_fixes],
        "taken_back": [asdict(t) for t in report.taken_back],
        "growth": [asdict(g) for g in report.growth],
        "sizes": [{**asdict(s), "total_bytes": s.total_bytes} for s in report.sizes],
        "trend": [{**asdict(p), "start": _iso(p.start), "end": _iso(p.end)} for p in report.trend],
        "notes": list(report.notes),
    }


def render(report: WeeklyReport) -> str:
    return json.dumps(to_dict(report), indent=2) + "\n"
