"""The JSON output: a public contract. Add keys freely; never rename or remove one."""

from __future__ import annotations

import json
from typing import Any

from advisor.model import (
    Finding,
    IndexSpec,
    PlanRisk,
    Recommendation,
    Report,
    Statement,
    StatementResult,
    TimeVsCost,
)
from advisor.plan_risk import MISESTIMATE
from advisor.window import Window


def query(statement: Statement) -> dict[str, Any]:
    """A statement's fields, as every list of statements in the JSON shows them."""
    return {
        "queryid": statement.queryid,
        "queryids": list(statement.queryids),
        "query": statement.query,
        "calls": statement.calls,
        "total_exec_ms": round(statement.total_exec_ms, 3),
        "mean_exec_ms": round(statement.mean_exec_ms, 3),
        "source": statement.source,
        "sources": statement.source.split("+"),
        "timeouts": statement.timeouts,
        "samples": list(statement.samples),
    }


def keys(spec: IndexSpec) -> list[dict[str, Any]]:
    """Each key of an index in full: ``columns`` has the texts alone."""
    out = []
    for key in spec.keys:
        descending, nulls_first = key.order
        out.append({
            "text": key.text,
            "expression": key.expression,
            "opclass": key.opclass,
            "descending": descending,
            "nulls_first": nulls_first,
        })  # fmt: skip
    return out


def recommendation(rec: Recommendation, window: Window | None) -> dict[str, Any]:
    spec = rec.spec
    return {
        "schema": spec.table.schema,
        "table": spec.table.name,
        "name": rec.name,
        "method": spec.method,
        "columns": list(spec.key_texts),
        "keys": keys(spec),
        "include": list(spec.include),
        "where": spec.where,
        "create_sql": rec.create_sql,
        "drop_sql": rec.drop_sql,
        # one statement each, run one at a time, in order (several on a partitioned table)
        "create_statements": list(rec.create_statements),
        "drop_statements": list(rec.drop_statements),
        "partitions": [str(ref) for ref in rec.partitions],
        "estimated_size_bytes": rec.estimated_size_bytes,
        "time_saved_ms": _round(rec.time_saved_ms, 1),
        "time_saved_ms_per_week": _round(rec.time_saved_ms_per_week, 1),
        # ms per week, as the key always meant: extrapolated from any window (compatibility)
        "write_overhead": round(
            window.extrapolated_to_week(rec.write_overhead) if window else rec.write_overhead, 1
        ),
        "write_overhead_ms": round(rec.write_overhead, 1),
        "write_overhead_ms_per_week": _round(rec.write_overhead_ms_per_week, 1),
        "hypopg_size_bytes": rec.hypopg_size_bytes,
        "verified": rec.verified,
        "notes": list(rec.notes),
        "queries": [
            {
                **query(e.statement),
                "cost_before": round(e.cost_before, 2),
                "cost_after": None if e.cost_after is None else round(e.cost_after, 2),
            }
            for e in rec.effects
        ],
    }


def statement(result: StatementResult) -> dict[str, Any]:
    return {
        **query(result.statement),
        "cost_before": None if result.cost_before is None else round(result.cost_before, 2),
        "cost_after": None if result.cost_after is None else round(result.cost_after, 2),
        "reason": result.reason,
        "repairs": list(result.repairs),
        "planned_query": result.planned_query,
        "planner_misjudged": result.time_vs_cost is not None,
        "time_vs_cost": time_vs_cost(result.time_vs_cost),
        "weight_ms": _round(result.weight_ms, 3),
        "planned_query_wide": result.planned_query_wide,
        "plan_risk": plan_risk(result.plan_risk),
    }


def time_vs_cost(judged: TimeVsCost | None) -> dict[str, Any] | None:
    """A statement measured far above what its plan cost predicts (``advisor.time_vs_cost``)."""
    if judged is None:
        return None
    return {
        "predicted_ms": round(judged.predicted_ms, 3),
        "measured_ms": round(judged.measured_ms, 3),
        "factor": round(judged.factor, 1),
        "timed_out": judged.timed_out,
        "ms_per_cost": judged.calibration.ms_per_cost,
        "calibrated_on": judged.calibration.statements,
        "advice_gain": _round(judged.advice_gain, 3),
        "gain_uncertain": judged.advice_gain is not None,
        "note": judged.note,
    }


def plan_risk(risk: PlanRisk | None) -> dict[str, Any] | None:
    """A nested loop whose cost rests on a row count guessed over a CTE's output
    (``advisor.plan_risk``)."""
    if risk is None:
        return None
    return {
        "kind": "nested_loop_over_guessed_rows",
        "inner": risk.inner,
        "outer_source": risk.outer_source,
        "ctes": list(risk.ctes),
        "outer_rows": round(risk.outer_rows, 1),
        "loop_cost": round(risk.loop_cost, 2),
        "plan_cost": round(risk.plan_cost, 2),
        "assumed_underestimate": MISESTIMATE,  # the outer side this many times the estimate
        "cost_factor": round(risk.cost_factor, 1),  # the plan's cost then, times (at least)
        "hedged_cost": _round(risk.hedged_cost, 2),
        "advice_gain": _round(risk.advice_gain, 3),
        "gain_uncertain": risk.advice_gain is not None,
        "note": risk.note,
    }


def calibration(report: Report) -> dict[str, Any] | None:
    """The workload's ms per unit of plan cost, when enough statements had measured times."""
    found = report.calibration
    if found is None:
        return None
    return {"ms_per_cost": found.ms_per_cost, "statements": found.statements}


def finding(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "schema": f.table.schema,
        "table": f.table.name,
        "index": f.index,
        "size_bytes": f.size_bytes,
        "detail": f.detail,
        "drop_sql": f.drop_sql,
        "restore_sql": f.restore_sql,
        "create_sql": f.create_sql,
        "partitioned": f.partitioned,
        "safe": f.safe,
        "statements": list(f.statements),
        "fix_sql": f.fix_sql,
    }


def unevaluated(report: Report) -> dict[str, Any]:
    """What a ``--max-explains`` / ``--time-limit`` stop left out (zeros when none did)."""
    left = report.unevaluated
    return {
        "not_planned": left.not_planned,
        "not_priced": left.not_priced,
        "moves_left": left.moves_left,
        "rounds": left.rounds,
        "steps_skipped": list(left.steps_skipped),
        "note": report.limit_note,
    }


def writes(report: Report) -> dict[str, Any]:
    """Where the write rates come from, per table with writes in the window."""
    return {
        "notes": list(report.write_notes),
        "tables": [
            {
                "schema": ref.schema,
                "table": ref.name,
                "source": w.source,
                "seconds": round(w.seconds, 1),
                "inserted": round(w.inserted),
                "non_hot_updated": round(w.non_hot_updated),
                "hot_updated": round(w.hot_updated),
                "deleted": round(w.deleted),
                "bulk_inserted": round(w.bulk_inserted),
                "bulk_counted": w.bulk_counted,
            }
            for ref, w in report.writes
        ],
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def to_dict(report: Report) -> dict[str, Any]:
    window = report.window
    return {
        "server": {
            "version": report.server.version,
            "version_num": report.server.version_num,
            "database": report.server.database,
            "hypopg_version": report.server.hypopg_version,
            "stats_since": report.server.stats_since,
            "system_identifier": report.server.system_identifier,
        },
        "recommendations": [recommendation(r, window) for r in report.recommendations],
        "statements": [statement(s) for s in report.statements],
        "skipped": [
            {
                "queryid": s.statement.queryid,
                "query": s.statement.query,
                "reason": s.reason,
                "planned_query": s.planned_query,
            }
            for s in report.skipped
        ],
        "findings": [finding(f) for f in report.findings],
        "writes": writes(report),
        "workload": {
            "statements": len(report.statements) + len(report.skipped),
            "analyzed": len(report.statements),
            "cost_before": round(report.workload_cost_before, 2),
            "cost_after": round(report.workload_cost_after, 2),
            "explain_calls": report.explain_calls,
            "plans_derived": report.plans_derived,
            "elapsed_seconds": round(report.elapsed_seconds, 3),
            "limit_reached": report.unevaluated.limit,
            "unevaluated": unevaluated(report),
            "window_seconds": _round(window.seconds if window else None, 3),
            "window_start": window.start_iso if window else None,
            "window_source": window.source if window else None,
            "window_basis": window.basis if window else None,
            "window": window.describe() if window else None,
            "total_exec_ms": round(sum(s.statement.total_exec_ms for s in report.statements), 3),
            "budget_note": report.budget_note,
            "cost_calibration": calibration(report),
        },
        "left_out": [{"index": index, "reason": why} for index, why in report.left_out],
        "footprint": {
            "pg_stat_statements_track": report.footprint.tracking,
            "bounded": report.footprint.bounded,
            "note": report.footprint.note,
            "grant": None if report.footprint.note is None else report.footprint.grant,
        },
    }


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, default=str) + "\n"
