"""The weekly report as Markdown, for chat and issue trackers (GitHub-flavoured tables)."""

from __future__ import annotations

from collections.abc import Sequence

from advisor.render.figures import no_workload, saving, window_line
from advisor.report import fmt
from advisor.report.model import Change, StatementLine, WeeklyReport
from advisor.report.story import headlines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str, width: int = 80) -> str:
    short = fmt.short(text, width).replace("`", "'")
    return f"`{_cell(short)}`"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(_cell(c) if not c.startswith("`") else c for c in row) + " |"
            for row in rows]  # fmt: skip
    return [*out, ""]


def _versus(line: StatementLine) -> str:
    if line.change is Change.NEW:
        return "new"
    if line.change is Change.UNKNOWN:
        return "–"
    return f"{line.change.value} {fmt.pct(line.change_pct)}"


def _statements(title: str, lines: Sequence[StatementLine]) -> list[str]:
    if not lines:
        return []
    rows = [
        [str(i), _code(s.query), fmt.count(s.calls), fmt.ms(s.total_exec_ms),
         fmt.ms(s.mean_exec_ms), _versus(s)]
        for i, s in enumerate(lines, 1)
    ]  # fmt: skip
    return [f"### {title}", "", *_table(["#", "statement", "calls", "total", "mean", "vs before"],
                                         rows)]  # fmt: skip


def nothing(report: WeeklyReport) -> str:
    """No recommendation: nothing ran in the window, or nothing worth an index."""
    if not report.statements:
        return no_workload(report.window)
    return "No index would improve the workload enough."


def render(report: WeeklyReport) -> str:
    out = [f"# Weekly report: {report.database}", ""]
    if report.period_start is not None:
        period = f"{fmt.when(report.period_start)} to {fmt.when(report.period_end)}"
        compared = (
            f", compared with the period from {fmt.when(report.previous_start)}"
            if report.previous_start is not None
            else " (no earlier period stored to compare with)"
        )
    else:
        period = f"up to {fmt.when(report.period_end)}"
        compared = ""
    out += [
        f"Period {period}{compared}. PostgreSQL {report.server_version}, database size "
        f"{fmt.size(report.database_size)}; {fmt.count(report.total_calls)} calls, "
        f"{fmt.ms(report.total_exec_ms)} of execution.",
        "",
    ]
    window = window_line(report.window)
    notes = [window, *report.notes] if window else list(report.notes)
    out += [f"> {note}" for note in notes]
    if notes:
        out.append("")
    out += ["## Summary", "", *[f"- {h}" for h in headlines(report)], ""]

    if report.regressions:
        out += ["## Slower than the previous period", ""]
        out += _table(
            ["statement", "calls", "mean before", "mean now", "change"],
            [[_code(s.query), fmt.count(s.calls), fmt.ms(s.previous_mean_ms),
              fmt.ms(s.mean_exec_ms), fmt.pct(s.change_pct)] for s in report.regressions],
        )  # fmt: skip

    out += ["## Top statements", ""]
    out += _statements("By total time", report.top_total)
    out += _statements("By mean time", report.top_mean)
    out += _statements("By calls", report.top_calls)

    out += ["## Recommended indexes", ""]
    if report.recommendations:
        this_period = {q: s for s in report.statements for q in s.queryids}
        for i, rec in enumerate(report.recommendations, 1):
            out.append(
                f"{i}. **{_cell(rec.spec.describe())}**, about "
                f"{fmt.size(rec.estimated_size_bytes)}; {saving(rec, report.window)}"
            )
            out.append(f"   `{rec.create_sql};`")
            for effect in rec.effects[:5]:
                seen = this_period.get(effect.statement.queryid or 0)
                figures = (
                    f"{fmt.count(seen.calls)} calls, mean {fmt.ms(seen.mean_exec_ms)} this period"
                    if seen
                    else "not run this period"
                )
                out.append(
                    f"   - planner cost {fmt.cost(effect.cost_before)} → "
                    f"{fmt.cost(effect.cost_after)}; "
                    f"{figures}: {_code(effect.statement.query, 70)}"
                )
        out.append("")
    else:
        out += [report.advice_note or nothing(report), ""]

    out += ["## Applied since the last report", ""]
    if report.applied:
        for a in report.applied:
            origin = a.origin if a.origin is not None else "not from a recommendation"
            out.append(
                f"**{a.schema}.{a.name}** ({fmt.size(a.size_bytes)}, {origin}) appeared between "
                f"{fmt.when(a.appeared_after)} and {fmt.when(a.appeared_by)}; "
                f"{fmt.count(a.scans)} scans since it was built (pg_stat_user_indexes)."
            )
            out.append("")
            if a.effects:
                out += _table(
                    ["statement", "calls before", "mean before", "calls after", "mean after",
                     "change"],
                    [[_code(e.query, 60), fmt.count(e.calls_before), fmt.ms(e.mean_before_ms),
                      fmt.count(e.calls_after), fmt.ms(e.mean_after_ms), fmt.pct(e.change_pct)]
                     for e in a.effects],
                )  # fmt: skip
            else:
                out += [f"Not measured: {a.note}.", ""]
    else:
        out += ["No index appeared during the period.", ""]

    out += ["## Unused indexes", ""]
    if report.unused_indexes:
        out += _table(
            ["index", "table", "size", "scans ever", "drop"],
            [[u.name, f"{u.schema}.{u.table}", fmt.size(u.size_bytes), fmt.count(u.scans_ever),
              f"`{_cell(u.drop_sql)};`"] for u in report.unused_indexes],
        )  # fmt: skip
    else:
        out += ["Every index was scanned during the period (constraints aside).", ""]

    if report.statistics_fixes:
        out += ["## Statistics to repair", ""]
        out += _table(
            ["table", "proven by", "finding", "repair", "undo"],
            [[f"{x.schema}.{x.table}", x.index or "", _cell(x.detail), f"`{_cell(x.fix_sql)}`",
              f"`{_cell(x.restore_sql)}`" if x.restore_sql else ""]
             for x in report.statistics_fixes],
        )  # fmt: skip

    if report.taken_back:
        out += [
            "## Taken back by apply --validate",
            "",
            "Built, then dropped again: a statement ran slower with it. `analyze` does not "
            "advise these again.",
            "",
        ]
        out += _table(
            ["index", "table", "when", "why"],
            [[t.name, t.table_name, t.when, _cell(t.why)] for t in report.taken_back],
        )

    out += ["## Tables that grew most", ""]
    if report.growth:
        out += _table(
            ["table", "size before", "size after", "growth", "of which", "rows before",
             "rows after", "inserted", "updated", "deleted"],
            [[f"{g.schema}.{g.name}", fmt.size(g.bytes_before), fmt.size(g.bytes_after),
              fmt.size(g.growth_bytes), g.parts(), fmt.count(g.rows_before),
              fmt.count(g.rows_after), fmt.count(g.inserted), fmt.count(g.updated),
              fmt.count(g.deleted)]
             for g in report.growth],
        )  # fmt: skip
    else:
        out += ["No table grew.", ""]

    if report.trend:
        out += ["## Trend", ""]
        out += _table(
            ["period", "calls", "execution time", "database size"],
            [[f"{fmt.day(p.start)} – {fmt.day(p.end)}", fmt.count(p.calls), fmt.ms(p.total_exec_ms),
              fmt.size(p.database_size)] for p in report.trend],
        )  # fmt: skip
    return "\n".join(out).rstrip() + "\n"
