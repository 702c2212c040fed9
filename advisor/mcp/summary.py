"""The short text each tool puts before its JSON: what a model reads first.

Built from the JSON documents the tools return (never from other data), so the summary cannot
say something the JSON does not. Tools never build an index: where there is advice, the summary
gives the ``advisor`` commands that save it as a plan and apply it.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from advisor.render.text import size
from advisor.report.fmt import plural

MAX_LISTED = 5


def apply_hint(analyze_args: Sequence[str]) -> str:
    """How to build the advice: save it as a plan with the same analysis, then apply the plan."""
    command = shlex.join(["advisor", "analyze", *analyze_args, "--save-plan", "advice.json"])
    return (
        "Nothing was built: these tools are read-only. To build the indexes, run with your "
        f"connection settings: {command}  then review advice.json and run: "
        "advisor apply advice.json  (CREATE INDEX CONCURRENTLY, one at a time)."
    )


def _percent(before: float | None, after: float | None) -> str:
    if not before or after is None:
        return ""
    return f" ({100.0 * (after - before) / before:+.0f}%)"


def analysis(doc: dict[str, Any], analyze_args: Sequence[str]) -> str:
    """``advisor analyze --format json``, in a few lines."""
    work = doc["workload"]
    lines = [
        f"Analysed {work['analyzed']} of {work['statements']} statements "
        f"({len(doc['skipped'])} skipped) with {work['explain_calls']} EXPLAIN calls in "
        f"{work['elapsed_seconds']:.1f} s. Workload cost (generic plans, weighted by calls): "
        f"{work['cost_before']:.0f} -> {work['cost_after']:.0f}"
        f"{_percent(work['cost_before'], work['cost_after'])}."
    ]
    if work.get("window"):
        lines.append(f"Measured times cover {work['window']}.")
    recs = doc["recommendations"]
    if recs:
        lines.append(f"{plural(len(recs), 'index')} recommended:")
        for rec in recs[:MAX_LISTED]:
            proof = "proven with HypoPG" if rec["verified"] else "NOT planner-proven"
            lines.append(
                f"- {rec['create_sql']}  [{size(rec['estimated_size_bytes'])}, helps "
                f"{plural(len(rec['queries']), 'statement')}, {proof}]"
            )
        if len(recs) > MAX_LISTED:
            lines.append(f"- ... and {len(recs) - MAX_LISTED} more in the JSON")
        lines.append(apply_hint(analyze_args))
    else:
        lines.append("No index recommended; each statement's reason is in the JSON.")
    misjudged = [s for s in doc["statements"] if s.get("planner_misjudged")]
    if misjudged:
        lines.append(
            f"{plural(len(misjudged), 'statement')} ran far longer than plan cost predicts: "
            "each one's time_vs_cost in the JSON says what would help (no index repairs a "
            "misestimate)."
        )
    risky = [s for s in doc["statements"] if s.get("plan_risk")]
    if risky:
        lines.append(
            f"{plural(len(risky), 'statement')} with a plan whose cost rests on a row count "
            "guessed over a CTE's output: each one's plan_risk in the JSON says what would help."
        )
    if doc["findings"]:
        lines.append(findings(doc))
    return "\n".join(lines)


def findings(doc: dict[str, Any]) -> str:
    """The review of the existing indexes (``findings``)."""
    found = doc["findings"]
    if not found:
        return "The review found nothing about the existing indexes."
    kinds: dict[str, int] = {}
    for f in found:
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    lines = [f"Review of the existing indexes: {plural(len(found), 'finding')}: {counts}."]
    for f in found[:MAX_LISTED]:
        where = f"{f['schema']}.{f['table']}" + (f" {f['index']}" if f["index"] else "")
        lines.append(f"- {f['kind']}: {where}: {f['detail']}")
    if len(found) > MAX_LISTED:
        lines.append(f"- ... and {len(found) - MAX_LISTED} more in the JSON")
    return "\n".join(lines)


def explain(doc: dict[str, Any]) -> str:
    """The plan, before and after the hypothetical indexes, with its tree."""
    before, after = doc["before"], doc["after"]
    plan = f"{doc['plan_type']} plan of a {doc['kind']}"
    head = f"The {plan} costs {before['total_cost']:.2f}"
    if after is None:
        return f"{head} (EXPLAIN, not run).\n\n{before['tree']}"
    used = [h["name"] for h in doc["hypothetical_indexes"] if h["used"]]
    reads = f"it reads {', '.join(used)}" if used else "it reads none of them"
    lines = [
        f"{head}; with {plural(len(doc['hypothetical_indexes']), 'hypothetical index')} "
        f"{after['total_cost']:.2f}{_percent(before['total_cost'], after['total_cost'])}, "
        f"{reads} (EXPLAIN, not run; HypoPG, nothing built).",
        "",
        "Before:",
        before["tree"],
        "",
        "After:",
        after["tree"],
    ]
    if used:
        lines += [
            "",
            "To build such an index, write it as a migration (CREATE INDEX CONCURRENTLY), or let "
            "the advisor choose and prove one for this statement. "
            + apply_hint(["--no-pg-stat-statements", "--no-review", "--query", doc["query"]]),
        ]
    return "\n".join(lines)


def table(doc: dict[str, Any]) -> str:
    """``advisor table NAME --format json``, in a few lines."""
    sizes, rows, access = doc["sizes"], doc["rows"], doc["access"]
    lines = [
        f"{doc['schema']}.{doc['table']} ({doc['kind']}): {size(sizes['total_bytes'])}"
        f"{'' if sizes['exact'] else ' (estimated)'}, about {rows['reltuples']:,.0f} rows, "
        f"{plural(len(doc['indexes']), 'index')}; {access['seq_scans']:,} sequential and "
        f"{access['index_scans']:,} index scans since the statistics reset; "
        f"{plural(len(doc['statements']), 'workload statement')} touching it.",
    ]
    if doc["recommendations"]:
        lines.append("Recommended on this table:")
        lines += [f"- {r['create_sql']}" for r in doc["recommendations"][:MAX_LISTED]]
        lines.append(apply_hint([]))
    elif doc["advice_note"]:
        lines.append(f"Advice: {doc['advice_note']}.")
    flagged = [i for i in doc["indexes"] if i["findings"]]
    for index in flagged[:MAX_LISTED]:
        lines.append(f"- index {index['name']}: {'; '.join(index['findings'])}")
    if doc["locks"]:
        lines.append(f"{plural(len(doc['locks']), 'lock')} held or awaited on it right now.")
    return "\n".join(lines)


def top(doc: dict[str, Any]) -> str:
    """The top statements list."""
    order = {"total_time": "total time", "mean_time": "mean time", "calls": "calls"}
    lines = [
        f"Top {len(doc['statements'])} of {doc['total_statements']} statements by "
        f"{order[doc['order_by']]} (pg_stat_statements since {doc['stats_since']}):"
    ]
    for s in doc["statements"][:MAX_LISTED]:
        text = " ".join(s["query"].split())
        text = text if len(text) <= 120 else text[:117] + "..."
        lines.append(
            f"- {s['calls']:,} calls, {s['total_exec_ms']:,.1f} ms total, "
            f"{s['mean_exec_ms']:,.3f} ms mean: {text}"
        )
    return "\n".join(lines)


def lint(doc: dict[str, Any]) -> str:
    """``advisor lint --format json``, in a few lines."""
    summary = doc["summary"]
    counts = ", ".join(f"{summary[s]} {s}" for s in ("error", "warning", "info"))
    lines = [f"{plural(len(doc['findings']), 'finding')}: {counts}."]
    for f in doc["findings"][:MAX_LISTED]:
        where = ".".join(p for p in (f["schema"], f["table"], f["column"]) if p)
        line = f" line {f['line']}" if f["line"] else ""
        lines.append(f"- {f['severity']} {f['rule']}{line} {where}: {f['detail']}")
    if len(doc["findings"]) > MAX_LISTED:
        lines.append(f"- ... and {len(doc['findings']) - MAX_LISTED} more in the JSON")
    lines += [f"Note: {n}" for n in doc["notes"]]
    return "\n".join(lines)


def weekly(doc: dict[str, Any]) -> str:
    """``advisor report --format json``, in a few lines."""
    period, work = doc["period"], doc["workload"]
    lines = [
        f"Weekly report of {doc['database']}, {period['start']} to {period['end']}: "
        f"{work['calls']:,} calls, {work['total_exec_ms']:,.0f} ms; "
        f"{plural(len(doc['regressions']), 'regression')}, "
        f"{plural(len(doc['recommendations']), 'recommendation')}, "
        f"{plural(len(doc['unused_indexes']), 'unused index')}, "
        f"{plural(len(doc['applied']), 'applied index')}."
    ]
    lines += [f"Note: {n}" for n in doc["notes"]]
    if doc["recommendations"]:
        lines.append(apply_hint([]))
    return "\n".join(lines)
