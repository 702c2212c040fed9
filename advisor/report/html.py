"""The weekly report as one self-contained HTML file: inline CSS and SVG charts, no script, no
external resource, so it opens anywhere (mail attachment, artifact store) and prints on A4."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from advisor.render.figures import no_workload, saving, window_line
from advisor.report import charts, fmt, markdown
from advisor.report.model import Change, StatementLine, WeeklyReport
from advisor.report.story import headlines

CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #111827; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #d1d5db; padding-bottom: .2rem;
     margin-top: 2rem; }
h3 { font-size: 1rem; margin-bottom: .3rem; }
.meta { color: #4b5563; }
.note { background: #fef3c7; border-left: 4px solid #d97706; padding: .4rem .8rem; }
.summary li { margin: .3rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: 13px; }
th, td { border: 1px solid #e5e7eb; padding: .25rem .45rem; text-align: left;
         vertical-align: top; }
th { background: #f3f4f6; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
code { font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       overflow-wrap: anywhere; }
.slower { color: #b91c1c; font-weight: 600; }
.faster { color: #15803d; font-weight: 600; }
.new { color: #1d4ed8; }
.change { white-space: nowrap; }
figure { margin: .5rem 0 1.5rem; }
figcaption { color: #4b5563; font-size: 12px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section, figure, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .note { border: 1px solid #d97706; }
}
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _code(text: str, width: int = 110) -> str:
    return f"<code>{escape(fmt.short(text, width))}</code>"


def _versus(line: StatementLine) -> str:
    if line.change is Change.UNKNOWN:
        return "–"

    if line.change is Change.NEW:
        return '<span class="new">new</span>'
    text = f"{line.change.value} {fmt.pct(line.change_pct)}"
    return f'<span class="change {line.change.value}">{escape(text)}</span>'


def _statements(title: str, lines: Sequence[StatementLine]) -> str:
    rows = [
        [str(i), _code(s.query), fmt.count(s.calls), fmt.ms(s.total_exec_ms),
         fmt.ms(s.mean_exec_ms), _versus(s)]
        for i, s in enumerate(lines, 1)
    ]  # fmt: skip
    return f"<h3>{escape(title)}</h3>" + _table(
        ["#", "statement", "calls", "total", "mean", "vs before"], rows, {0, 2, 3, 4}
    )


def _figure(svg: str, caption: str) -> str:
    return f'<figure class="chart">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


def render(report: WeeklyReport) -> str:
    parts: list[str] = []
    add = parts.append
    if report.period_start is not None:
        period = f"{fmt.when(report.period_start)} to {fmt.when(report.period_end)}"
    else:
        period = f"up to {fmt.when(report.period_end)}"
    add(f"<h1>Weekly report: {escape(report.database)}</h1>")
    add(
        f'<p class="meta">Period {escape(period)}'
        + (
            f", compared with the period from {escape(fmt.when(report.previous_start))}"
            if report.previous_start is not None
            else ""
        )
        + f". PostgreSQL {escape(report.server_version)}, database size "
        f"{escape(fmt.size(report.database_size))}; {fmt.count(report.total_calls)} calls, "
        f"{escape(fmt.ms(report.total_exec_ms))} of execution.</p>"
    )
    window = window_line(report.window)
    if window:
        add(f'<p class="meta">{escape(window)}</p>')
    for note in report.notes:
        add(f'<p class="note">{escape(note)}</p>')
    add('<section><h2>Summary</h2><ul class="summary">')
    parts.extend(f"<li>{escape(h)}</li>" for h in headlines(report))
    add("</ul></section>")
    if report.trend:
        add("<section><h2>Trend</h2>")
        add(_figure(charts.trend(report.trend),
                    f"Execution time per {fmt.trend_period(report.trend)} "
                    "and database size at its end."))  # fmt: skip
        add("</section>")

    if report.regressions:
        add("<section><h2>Slower than the previous period</h2>")
        add(_table(
            ["statement", "calls", "mean before", "mean now", "change"],
            [[_code(s.query), fmt.count(s.calls), fmt.ms(s.previous_mean_ms),
              fmt.ms(s.mean_exec_ms), f'<span class="slower">{fmt.pct(s.change_pct)}</span>']
             for s in report.regressions],
            {1, 2, 3, 4},
        ))  # fmt: skip
        add("</section>")

    add("<section><h2>Top statements</h2>")
    if report.top_total:
        add(_figure(
            charts.bars([(fmt.short(s.query, 60), s.total_exec_ms) for s in report.top_total],
                        "Top statements by total execution time", fmt.ms),
            "Total execution time this period, per statement.",
        ))  # fmt: skip
        add(_statements("By total time", report.top_total))
        add(_statements("By mean time", report.top_mean))
        add(_statements("By calls", report.top_calls))
    else:
        add(f"<p>{escape(no_workload(report.window))}</p>")
    add("</section>")

    add("<section><h2>Recommended indexes</h2>")
    if report.recommendations:
        this_period = {q: s for s in report.statements for q in s.queryids}
        for rec in report.recommendations:
            add(
                f"<h3>{escape(rec.spec.describe())}</h3><p>About "
                f"{escape(fmt.size(rec.estimated_size_bytes))}; "
                f"{escape(saving(rec, report.window))}.<br>"
                f"{_code(rec.create_sql + ';', 400)}</p>"
            )
            rows = []
            for e in rec.effects[:8]:
                seen = this_period.get(e.statement.queryid or 0)
                rows.append([
                    _code(e.statement.query, 90), fmt.cost(e.cost_before), fmt.cost(e.cost_after),
                    fmt.count(seen.calls) if seen else "–",
                    fmt.ms(seen.mean_exec_ms) if seen else "–",
                ])  # fmt: skip
            add(_table(["statement", "cost before", "cost after", "calls this period",
                        "mean this period"], rows, {1, 2, 3, 4}))  # fmt: skip
    else:
        add(f"<p>{escape(report.advice_note or markdown.nothing(report))}</p>")
    add("</section>")

    add("<section><h2>Applied since the last report</h2>")
    if report.applied:
        for a in report.applied:
            origin = a.origin if a.origin is not None else "not from a recommendation"
            add(
                f"<h3>{escape(a.schema)}.{escape(a.name)}</h3><p>{escape(fmt.size(a.size_bytes))}"
                f", {escape(origin)}; appeared between {escape(fmt.when(a.appeared_after))} and "
                f"{escape(fmt.when(a.appeared_by))}; {fmt.count(a.scans)} scans since it was "
                "built (pg_stat_user_indexes).<br>"
                f"{_code(a.definition, 400)}</p>"
            )
            if a.effects:
                add(_table(
                    ["statement", "calls before", "mean before", "calls after", "mean after",
                     "change"],
                    [[_code(e.query, 80), fmt.count(e.calls_before), fmt.ms(e.mean_before_ms),
                      fmt.count(e.calls_after), fmt.ms(e.mean_after_ms),
                      f'<span class="{"faster" if e.change_pct < 0 else "slower"}">'
                      f"{fmt.pct(e.change_pct)}</span>"] for e in a.effects],
                    {1, 2, 3, 4, 5},
                ))  # fmt: skip
            else:
                add(f"<p>Not measured: {escape(a.note or '')}.</p>")
    else:
        add("<p>No index appeared during the period.</p>")
    add("</section>")

    add("<section><h2>Unused indexes</h2>")
    if report.unused_indexes:
        add(_table(
            ["index", "table", "size", "scans ever", "drop"],
            [[escape(u.name), escape(f"{u.schema}.{u.table}"), fmt.size(u.size_bytes),
              fmt.count(u.scans_ever), _code(u.drop_sql + ";", 200)]
             for u in report.unused_indexes],
            {2, 3},
        ))  # fmt: skip
    else:
        add("<p>Every index was scanned during the period (constraints aside).</p>")
    add("</section>")

    if report.statistics_fixes:
        add("<section><h2>Statistics to repair</h2>")
        add(_table(
            ["table", "proven by", "finding", "repair", "undo"],
            [[escape(f"{x.schema}.{x.table}"), escape(x.index or ""), escape(x.detail),
              _code(x.fix_sql, 300), _code(x.restore_sql, 300) if x.restore_sql else ""]
             for x in report.statistics_fixes],
            set(),
        ))  # fmt: skip
        add("</section>")

    if report.taken_back:
        add("<section><h2>Taken back by apply --validate</h2>")
        add(
            "<p>Built, then dropped again: a statement ran slower with it. <code>analyze</code> "
            "does not advise these again.</p>"
        )
        add(_table(
            ["index", "table", "when", "why"],
            [[escape(t.name), escape(t.table_name),
              escape(t.when), escape(t.why)] for t in report.taken_back],
            set(),
        ))  # fmt: skip
        add("</section>")

    add("<section><h2>Tables</h2>")
    if report.sizes:
        add(_figure(charts.sizes(report.sizes), "Largest tables now: heap, indexes and TOAST."))
    if report.growth:
        add("<h3>Grew most this period</h3>")
        add(_table(
            ["table", "size before", "size after", "growth", "of which", "rows before",
             "rows after", "inserted", "updated", "deleted"],
            [[escape(f"{g.schema}.{g.name}"), fmt.size(g.bytes_before), fmt.size(g.bytes_after),
              fmt.size(g.growth_bytes), escape(g.parts()), fmt.count(g.rows_before),
              fmt.count(g.rows_after), fmt.count(g.inserted), fmt.count(g.updated),
              fmt.count(g.deleted)]
             for g in report.growth],
            {1, 2, 3, 5, 6, 7, 8, 9},
        ))  # fmt: skip
    add("</section>")

    title = f"Weekly report: {report.database}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )
