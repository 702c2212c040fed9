"""Human-readable reports: ``table`` (plain text that fits the width) and ``markdown``.

Both formats share one layout; only the table style, the headings and the wrapping differ:
text wraps to the output width (``advisor.render.layout``), Markdown keeps one line per row.
"""

from __future__ import annotations

from advisor.model import Recommendation, Report, Statement
from advisor.render import layout
from advisor.render.figures import empty_state, saving, short_saving, window_line
from advisor.report.fmt import plural, short

MAX_QUERY = 90


def _short(query: str, width: int = MAX_QUERY) -> str:
    return short(query, width)


def _named(statement: Statement) -> str:
    """A statement as a note names it: its queryid and text, or its text alone."""
    query = _short(statement.query, 60)
    return query if statement.queryid is None else f"{statement.queryid} ({query})"


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


def render(
    report: Report, *, markdown: bool = False, verbose: bool = False, width: int | None = None
) -> str:
    limit = width or layout.output_width()
    h1, h2 = ("# ", "## ") if markdown else ("", "")

    def para(text: str, indent: str = "", hang: str = "") -> str:
        return layout.block(text, limit, markdown=markdown, indent=indent, hang=hang)

    def table(rows: list[list[object]], headers: list[str], wrap_first: list[int]) -> str:
        return layout.table(rows, headers, width=limit, markdown=markdown, wrap_first=wrap_first)

    out: list[str] = []
    server = report.server
    out.append(para(f"{h1}Index advice for {server.database} (PostgreSQL {server.version})"))
    out.append("")
    ratio = (
        report.workload_cost_after / report.workload_cost_before
        if report.workload_cost_before
        else 1.0
    )
    derived = f" ({report.plans_derived} more plans derived)" if report.plans_derived else ""
    out.append(para(
        f"{plural(len(report.statements), 'statement')} analysed, {len(report.skipped)} "
        f"skipped, {plural(report.explain_calls, 'EXPLAIN call')} in "
        f"{report.elapsed_seconds:.1f} s{derived}; workload planner cost x{ratio:.2f} with the "
        "advice."
    ))  # fmt: skip
    line = window_line(report.window)
    if line:
        out.append(para(line))
    note = report.limit_note
    if note:
        out.append(para(f"Search stopped early: {note}."))
    for said in report.write_notes:
        out.append(para(f"Writes: {said}."))
    out.append("")
    out.append(f"{h2}Recommendations")
    out.append("")
    if not report.recommendations:
        out.append(para(empty_state(report)))
    else:
        rows: list[list[object]] = []
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
        out.append(table(
            rows, ["#", "index", "size (est.)", "statements", "cost", "time saved", "proof"], [1]
        ))  # fmt: skip
        out.append("")
        for i, rec in enumerate(report.recommendations, 1):
            for step, statement in enumerate(rec.create_statements):
                lead = f"{i}." if step == 0 else " " * len(f"{i}.")
                if markdown:
                    out.append(f"{lead} `{statement};`")
                else:
                    out.append(layout.sql(f"{statement};", limit, indent=f"{lead} ", hang="   "))
            for effect in rec.effects[:5]:
                after = "?" if effect.cost_after is None else f"{effect.cost_after:.0f}"
                lead = f"   - {effect.cost_before:.0f} -> {after}: "
                room = MAX_QUERY if markdown else max(limit - len(lead), 20)
                out.append(lead + _short(effect.statement.query, room))
            out.append(para(saving(rec, report.window), indent="   * ", hang="     "))
            for note in rec.notes:
                out.append(para(note, indent="   * ", hang="     "))
        if report.budget_note:
            out += ["", para(f"{report.budget_note}.")]
    if report.findings:
        out += ["", f"{h2}Existing indexes", ""]
        out.append(table(
            [[f.kind, f"{f.table}", f.index or "",
              size(f.size_bytes) if f.index and f.fix_sql is None else "", f.detail]
             for f in report.findings],  # a missing index, or a statistics fix: no size to show
            ["finding", "table", "index", "size", "detail"], [4],
        ))  # fmt: skip
        fixes = [f.fix_sql for f in report.findings if f.fix_sql]
        if fixes:
            out += ["", para("To repair the statistics (restore_sql undoes each):")]
            out += [f"    {fix}" for fix in fixes]
    misjudged = [(s, j) for s in report.statements if (j := s.time_vs_cost) is not None]
    if misjudged:
        out += ["", f"{h2}Statements slower than their plan cost predicts", ""]
        for s, judged in misjudged:
            out.append(para(f"{_named(s.statement)}: {judged.note}", indent="- ", hang="  "))
    risky = [(s, r) for s in report.statements if (r := s.plan_risk) is not None]
    if risky:
        out += ["", f"{h2}Statements whose plan rests on a guessed row count", ""]
        for s, risk in risky:
            out.append(para(f"{_named(s.statement)}: {risk.note}", indent="- ", hang="  "))
    not_helped = [s for s in report.statements if s.reason]
    if verbose and not_helped:
        out += ["", f"{h2}Statements without advice", ""]
        out.append(table(
            [[s.statement.queryid, f"{s.cost_before:.0f}" if s.cost_before is not None else "",
              _short(s.statement.query, 60), s.reason] for s in not_helped],
            ["queryid", "cost", "query", "why not"], [3, 2],
        ))  # fmt: skip
    if verbose and report.skipped:
        out += ["", f"{h2}Skipped statements", ""]
        out.append(table(
            [[s.statement.queryid, _short(s.statement.query, 60), s.reason]
             for s in report.skipped],
            ["queryid", "query", "reason"], [2, 1],
        ))  # fmt: skip
    if verbose and report.left_out:
        out += ["", f"{h2}Indexes left out of the set", ""]
        out += [para(f"{index}: {why}", indent="- ", hang="  ") for index, why in report.left_out]
    elif not verbose and (not_helped or report.skipped):
        out += ["", para(
            f"({plural(len(not_helped), 'statement')} got no advice; --verbose says why.)"
        )]  # fmt: skip
    if report.footprint.note:
        out += ["", para(f"Note: {report.footprint.note}")]
    return "\n".join(out) + "\n"
