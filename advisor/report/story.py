"""The headlines at the top of a report: what got slower, what to index, what to drop, and what
the last change achieved, one plain sentence each (the renderers add their own markup)."""

from __future__ import annotations

from advisor.report import fmt
from advisor.report.model import AppliedIndex, WeeklyReport


def _applied(a: AppliedIndex) -> str:
    if not a.effects:
        return f"Index {a.schema}.{a.name} appeared by {fmt.when(a.appeared_by)}: {a.note}."
    calls_before = sum(e.calls_before for e in a.effects)
    calls_after = sum(e.calls_after for e in a.effects)
    before = sum(e.mean_before_ms * e.calls_before for e in a.effects) / max(calls_before, 1)
    after = sum(e.mean_after_ms * e.calls_after for e in a.effects) / max(calls_after, 1)
    change = (after / before - 1) * 100 if before > 0 else 0.0
    verb = "faster" if change < 0 else "slower"
    origin = "recommended index" if a.recommended_at is not None or a.origin else "new index"
    return (
        f"The {origin} {a.schema}.{a.name} made its {len(a.effects)} statement"
        f"{'s' if len(a.effects) != 1 else ''} {abs(change):.0f} % {verb}: mean "
        f"{fmt.ms(before)} before, {fmt.ms(after)} after."
    )


def headlines(report: WeeklyReport) -> list[str]:
    out: list[str] = []
    if report.regressions:
        worst = report.regressions[0]
        out.append(
            f"{len(report.regressions)} statement{'s' if len(report.regressions) != 1 else ''} "
            f"got slower than the previous period; the worst, {fmt.short(worst.query, 60)}, "
            f"went from {fmt.ms(worst.previous_mean_ms)} to {fmt.ms(worst.mean_exec_ms)} "
            f"per call ({fmt.pct(worst.change_pct)})."
        )
    elif report.previous_start is not None:
        out.append("No statement got slower than in the previous period.")
    if report.recommendations:
        recs = report.recommendations
        names = fmt.listing([r.spec.describe() for r in recs], 3)
        weekly = [r.time_saved_ms_per_week for r in recs if r.time_saved_ms_per_week is not None]
        measured = [r.time_saved_ms for r in recs if r.time_saved_ms is not None]
        if weekly:
            saving = f"saving about {fmt.ms(sum(weekly))} a week"
        elif measured and report.window is not None:
            saving = f"which saved {fmt.ms(sum(measured))} in {report.window.describe()}"
        else:
            saving = "saving n/a (no measured time)"
        out.append(
            f"{len(recs)} index{'es' if len(recs) != 1 else ''} to create, {saving}: {names}."
        )
    elif report.advice_note is None:
        out.append("No new index would improve the workload enough to recommend.")
    if report.unused_indexes:
        drops = report.unused_indexes
        total = sum(u.size_bytes for u in drops)
        kinds = ", ".join(dict.fromkeys(u.kind for u in drops))
        out.append(
            f"{len(drops)} index{'es' if len(drops) != 1 else ''} ({fmt.size(total)}) may be "
            f"dropped ({kinds}): {fmt.listing([f'{u.schema}.{u.name}' for u in drops], 3)}."
        )
    if report.statistics_fixes:
        fixes = report.statistics_fixes
        out.append(
            f"{len(fixes)} column statistic{'s' if len(fixes) != 1 else ''} a unique index "
            f"proves wrong: {fmt.listing([f'{x.schema}.{x.table}' for x in fixes], 3)} "
            "(see Statistics to repair)."
        )
    out.extend(_applied(a) for a in report.applied)
    if report.taken_back:
        back = report.taken_back
        out.append(
            f"{fmt.plural(len(back), 'index')} built by apply --validate made a "
            f"statement slower and went again: {fmt.listing([t.name for t in back], 3)} (see "
            "Taken back by apply --validate)."
        )
    if report.growth:
        g = report.growth[0]
        out.append(
            f"{g.schema}.{g.name} grew most: {fmt.size(g.bytes_before)} to "
            f"{fmt.size(g.bytes_after)} ({g.parts()}; {g.rows_before:,} to {g.rows_after:,} "
            "rows)."
        )
    return out
