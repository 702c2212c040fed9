"""Human-readable reports: ``table`` (plain text via tabulate) and ``markdown``.

Both formats share one layout; only the tabulate style and the headings differ.
"""

from __future__ import annotations

from tabulate import tabulate

from advisor.model import Recommendation, Report
from advisor.render.figures import empty_state, saving, short_saving, window_line

MAX_QUERY = 90


def _short(query: str, width: int = MAX_QUERY) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def _best_cost(rec: Recommendation) -> str:
    proven = [e for e in rec.effects if e.cost_after is not None]
    if not proven:
        return "not proven"
    best = max(proven, key=lambda e: e.cost_before - (e.cost_after or 0.0))
    return f"{best.cost_before:.0f} -> {best.cost_after:.0f}"


def render(report: Report, *, markdown: bool = False, verbose: bool = False) -> str:
    fmt = "github" if markdown else "simple"
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    out: list[str] = []
    server = report.server
    out.append(f"{h1}Index advice for {server.database} (PostgreSQL {server.version})")
    out.append("")
    ratio = (
        report.workload_cost_after / report.workload_cost_before
        if report.workload_cost_before
        else 1.0
    )
    out.append(
        f"{len(report.statements)} statements analysed, {len(report.skipped)} skipped, "
        f"{report.explain_calls} EXPLAIN calls in {report.elapsed_seconds:.1f} s; "
        f"workload planner cost x{ratio:.2f} with the advice."
    )
    line = window_line(report.window)
    if line:
        out.append(line)
    out.append("")
    out.append(f"{h2}Recommendations")
    out.append("")
    if not report.recommendations:
        out.append(empty_state(report))
    else:
        rows = []
        for i, rec in enumerate(report.recommendations, 1):
            rows.append([
                i,
                rec.spec.describe(),
                size(rec.estimated_size_bytes),
                len(rec.effects),
                _best_cost(rec),
                short_saving(rec),
                "planner" if rec.verified else "rule (unverified)",
            ])  # fmt: skip
        out.append(tabulate(
            rows, ["#", "index", "size (est.)", "statements", "cost", "time saved", "proof"],
            tablefmt=fmt,
        ))  # fmt: skip
        out.append("")
        for i, rec in enumerate(report.recommendations, 1):
            for step, statement in enumerate(rec.create_statements):
                lead = f"{i}." if step == 0 else " " * len(f"{i}.")
                out.append(f"{lead} {statement};" if not markdown else f"{lead} `{statement};`")
            for effect in rec.effects[:5]:
                after = "?" if effect.cost_after is None else f"{effect.cost_after:.0f}"
                out.append(
                    f"   - {effect.cost_before:.0f} -> {after}: {_short(effect.statement.query)}"
                )
            out.append(f"   * {saving(rec, report.window)}")
            for note in rec.notes:
                out.append(f"   * {note}")
        if report.budget_note:
            out += ["", f"{report.budget_note}."]
    if report.findings:
        out += ["", f"{h2}Existing indexes", ""]
        out.append(tabulate(
            [[f.kind, f"{f.table}", f.index or "", size(f.size_bytes), f.detail]
             for f in report.findings],
            ["finding", "table", "index", "size", "detail"], tablefmt=fmt,
        ))  # fmt: skip
    not_helped = [s for s in report.statements if s.reason]
    if verbose and not_helped:
        out += ["", f"{h2}Statements without advice", ""]
        out.append(tabulate(
            [[s.statement.queryid, f"{s.cost_before:.0f}" if s.cost_before is not None else "",
              _short(s.statement.query, 60), s.reason] for s in not_helped],
            ["queryid", "cost", "query", "why not"], tablefmt=fmt,
        ))  # fmt: skip
    if verbose and report.skipped:
        out += ["", f"{h2}Skipped statements", ""]
        out.append(tabulate(
            [[s.statement.queryid, _short(s.statement.query, 60), s.reason]
             for s in report.skipped],
            ["queryid", "query", "reason"], tablefmt=fmt,
        ))  # fmt: skip
    if verbose and report.left_out:
        out += ["", f"{h2}Indexes left out of the set", ""]
        out += [f"- {index}: {why}" for index, why in report.left_out]
    elif not verbose and (not_helped or report.skipped):
        out += ["", f"({len(not_helped)} statements got no advice; --verbose says why.)"]
    if report.footprint.note:
        out += ["", f"Note: {report.footprint.note}"]
    return "\n".join(out) + "\n"
