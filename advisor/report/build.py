"""Build the weekly report from stored snapshots: the period, the previous one, what changed.

The period ends at the newest snapshot and starts at the one closest to ``since`` before it;
the previous period is as long again before that. Statements are compared by fingerprint
(queryids of one statement merged); an index that appeared in the period is measured by the
mean time of the statements it was meant for, before it appeared and after.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from advisor.apply import record
from advisor.catalog.rows import build
from advisor.collect.catalog import Catalog
from advisor.errors import UsageError
from advisor.history import deltas, periods
from advisor.history.deltas import records
from advisor.history.model import IndexRow, ServerKey, Snapshot, SnapshotMeta, StoredRecommendation
from advisor.history.store import Store
from advisor.model import Finding, Recommendation, Statement, TableRef
from advisor.parse.statement import analyse
from advisor.report.model import (
    AppliedIndex,
    Change,
    Effect,
    StatementLine,
    StatisticsFix,
    TableGrowth,
    TableSize,
    TrendPoint,
    UnusedIndex,
    WeeklyReport,
)
from advisor.sources.own import is_advisor_statement
from advisor.sources.sqltext import report_kind
from advisor.window import Window, from_epochs

CHANGE_THRESHOLD = 0.10  # a mean time 10 % up or down is "slower" or "faster"...
MIN_IMPACT_MS = 100.0  # ...when it changes the period's total by this much (no noise on BEGIN)


@dataclass(frozen=True)
class ReportOptions:
    since_seconds: float = 7 * 86400.0
    top: int = 10
    trend_periods: int = 12
    change_threshold: float = CHANGE_THRESHOLD
    min_impact_ms: float = MIN_IMPACT_MS


class _Loader:
    """Loads snapshots from the store once each."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._full: dict[str, Snapshot] = {}
        self._indexes: dict[str, tuple[IndexRow, ...]] = {}

    def full(self, meta: SnapshotMeta) -> Snapshot:
        if meta.id not in self._full:
            self._full[meta.id] = self.store.load(meta)
        return self._full[meta.id]

    def statements_only(self, meta: SnapshotMeta) -> Snapshot:
        if meta.id in self._full:
            return self._full[meta.id]
        return Snapshot(meta, self.store.statements(meta), (), ())

    def indexes(self, meta: SnapshotMeta) -> tuple[IndexRow, ...]:
        if meta.id in self._full:
            return self._full[meta.id].indexes
        if meta.id not in self._indexes:
            self._indexes[meta.id] = self.store.indexes(meta)
        return self._indexes[meta.id]


def _workload(rows: pd.DataFrame) -> pd.DataFrame:
    """Leave out the advisor's own statements (snapshots, analyses): they are not the workload."""
    if rows.empty:
        return rows
    return rows[~rows["query"].map(is_advisor_statement).astype(bool)]


def _statements(
    loader: _Loader, older: SnapshotMeta | None, newer: SnapshotMeta, *, full: bool = True
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    get = loader.full if full else loader.statements_only
    delta = deltas.statement_delta(get(older) if older else None, get(newer))
    return deltas.by_statement(_workload(delta.rows)), delta.notes


def _classify(
    mean: float, calls: int, previous: float | None, options: ReportOptions
) -> tuple[Change, float | None]:
    """New, slower, faster or the same: a relative change that also matters in total time."""
    if previous is None:
        return Change.NEW, None
    if previous <= 0:
        return Change.SAME, None
    pct = (mean / previous - 1.0) * 100.0
    threshold = options.change_threshold
    if abs(mean - previous) * calls < options.min_impact_ms:
        return Change.SAME, pct
    if pct > threshold * 100:
        return Change.SLOWER, pct
    if pct < -threshold * 100:
        return Change.FASTER, pct
    return Change.SAME, pct


def _lines(
    current: pd.DataFrame, previous: pd.DataFrame | None, options: ReportOptions
) -> tuple[StatementLine, ...]:
    before: dict[str, tuple[int, float]] = {}
    if previous is not None:
        before = {
            str(r["fingerprint"]): (int(r["calls"]), float(r["mean_exec_ms"]))
            for r in records(previous)
        }
    lines = []
    for row in records(current):
        prev = before.get(str(row["fingerprint"]))
        if previous is None:
            change, pct = Change.UNKNOWN, None
        else:
            mean, calls = float(row["mean_exec_ms"]), int(row["calls"])
            change, pct = _classify(mean, calls, prev[1] if prev else None, options)
        lines.append(
            StatementLine(
                queryid=int(row["queryid"]),
                queryids=tuple(int(q) for q in row["queryids"]),
                query=str(row["query"]),
                calls=int(row["calls"]),
                total_exec_ms=float(row["total_exec_ms"]),
                mean_exec_ms=float(row["mean_exec_ms"]),
                rows=int(row["rows"]),
                shared_blks_read=int(row["shared_blks_read"]),
                previous_calls=prev[0] if prev else None,
                previous_mean_ms=prev[1] if prev else None,
                change=change,
                change_pct=pct,
            )
        )
    return tuple(lines)


def _growth(rows: pd.DataFrame, indexes: pd.DataFrame, top: int) -> tuple[TableGrowth, ...]:
    """The tables that grew most, split into heap, indexes and TOAST, new indexes named."""
    grown = rows[rows["growth_bytes"] > 0].nlargest(top, "growth_bytes")
    new: dict[tuple[str, str], list[str]] = {}
    if not indexes.empty and "existed_before" in indexes:
        for r in records(indexes[~indexes["existed_before"].astype(bool)]):
            new.setdefault((str(r["schema"]), str(r["table"])), []).append(str(r["name"]))
    return tuple(
        TableGrowth(
            schema=str(r["schema"]),
            name=str(r["name"]),
            bytes_before=int(r["total_bytes_before"]),
            bytes_after=int(r["total_bytes"]),
            growth_bytes=int(r["growth_bytes"]),
            rows_before=int(r["n_live_tup_before"]),
            rows_after=int(r["n_live_tup"]),
            inserted=int(r["n_tup_ins"]),
            updated=int(r["n_tup_upd"]),
            deleted=int(r["n_tup_del"]),
            seq_scans=int(r["seq_scan"]),
            idx_scans=int(r["idx_scan"]),
            heap_growth=int(r["heap_bytes"]) - int(r["heap_bytes_before"]),
            index_growth=int(r["index_bytes"]) - int(r["index_bytes_before"]),
            toast_growth=int(r["toast_bytes"]) - int(r["toast_bytes_before"]),
            new_indexes=tuple(sorted(new.get((str(r["schema"]), str(r["name"])), ()))),
        )
        for r in records(grown)
    )


def _sizes(snapshot: Snapshot, top: int) -> tuple[TableSize, ...]:
    biggest = sorted(snapshot.tables, key=lambda t: t.total_bytes, reverse=True)[:top]
    return tuple(
        TableSize(t.schema, t.name, t.heap_bytes, t.index_bytes, t.toast_bytes) for t in biggest
    )


def _droppable(
    verdict: Sequence[Finding] | None, rows: pd.DataFrame, newest: Snapshot
) -> tuple[UnusedIndex, ...]:
    """The indexes the review (``advisor.review``, the verdict ``analyze`` gives) proposes to
    drop, with their scans in the period and since the statistics reset."""
    if not verdict:
        return ()
    cumulative = {(i.schema, i.name): i for i in newest.indexes}
    period: dict[tuple[str, str], int] = {}
    if not rows.empty:
        period = {(str(r["schema"]), str(r["name"])): int(r["scans"]) for r in records(rows)}
    found = []
    for f in verdict:
        if f.index is None or f.drop_sql is None:
            continue
        row = cumulative.get((f.table.schema, f.index))
        found.append(
            UnusedIndex(
                schema=f.table.schema,
                table=f.table.name,
                name=f.index,
                size_bytes=f.size_bytes,
                definition=row.definition if row is not None else (f.restore_sql or ""),
                drop_sql=f.drop_sql,
                scans_ever=row.scans if row is not None else 0,
                kind=f.kind,
                detail=f.detail,
                safe=f.safe,
                period_scans=period.get((f.table.schema, f.index)),
            )
        )
    return tuple(sorted(found, key=lambda u: u.size_bytes, reverse=True))


def _statistics_fixes(verdict: Sequence[Finding] | None) -> tuple[StatisticsFix, ...]:
    """The review's findings that repair statistics rather than indexes (``fix_sql``)."""
    return tuple(
        StatisticsFix(
            f.table.schema, f.table.name, f.index, f.kind, f.detail, f.fix_sql, f.restore_sql
        )
        for f in verdict or ()
        if f.fix_sql
    )


def _trend(
    loader: _Loader, metas: Sequence[SnapshotMeta], newest: SnapshotMeta, options: ReportOptions
) -> tuple[TrendPoint, ...]:
    marks = list(reversed(periods.boundaries(metas, newest, options.since_seconds,
                                             options.trend_periods)))  # fmt: skip
    points = []
    for older, newer in itertools.pairwise(marks):
        delta = deltas.statement_delta(loader.statements_only(older), loader.statements_only(newer))
        rows = _workload(delta.rows)
        points.append(
            TrendPoint(
                start=older.taken_at,
                end=newer.taken_at,
                calls=int(rows["calls"].sum()),
                total_exec_ms=float(rows["total_exec_ms"].sum()),
                database_size=newer.database_size,
            )
        )
    return tuple(points)


def _norm_key(text: str) -> str:
    return re.sub(r"[\s()\"]", "", text).lower()


def _matching_recommendation(
    index: IndexRow, stored: Sequence[StoredRecommendation], appeared_by: float
) -> StoredRecommendation | None:
    keys = [_norm_key(k) for k in index.keys]
    found = [
        r
        for r in stored
        if r.schema == index.schema
        and r.table == index.table
        and r.method == index.method
        and [_norm_key(k) for k in r.keys] == keys
        and r.recommended_at <= appeared_by
    ]
    return max(found, key=lambda r: r.recommended_at) if found else None


def _meant_for(
    index: IndexRow,
    rec: StoredRecommendation | None,
    before: pd.DataFrame,
    catalog: Catalog | None,
) -> set[str]:
    """Fingerprints of the statements an index was made for.

    A stored recommendation names them; otherwise they are the statements that use the index's
    leading key on its table (equality, range, join, sort...), as the parser reads them.
    """
    if rec is not None:
        wanted = set(rec.queryids)
        return {str(r["fingerprint"]) for r in records(before) if wanted & set(r["queryids"])}
    if catalog is None or not index.keys:
        return set()
    ref = TableRef(index.schema, index.table)
    lead = _norm_key(index.keys[0])
    out = set()
    for row in records(before):
        statement = Statement(
            int(row["queryid"]),
            tuple(row["queryids"]),
            str(row["query"]),
            int(row["calls"]),
            float(row["total_exec_ms"]),
            float(row["mean_exec_ms"]),
        )
        parsed = analyse(statement, catalog)
        uses = getattr(parsed, "uses", ())
        if any(u.table == ref and _norm_key(u.key.text) == lead for u in uses):
            out.add(str(row["fingerprint"]))
    return out


def _effects(before: pd.DataFrame, after: pd.DataFrame, wanted: set[str]) -> tuple[Effect, ...]:
    b = before[before["fingerprint"].isin(wanted)]
    a = after[after["fingerprint"].isin(wanted)]
    both = b.merge(a, on="fingerprint", how="inner", suffixes=("_b", "_a"))
    both = both.sort_values("total_exec_ms_b", ascending=False)
    return tuple(
        Effect(
            queryid=int(r["queryid_b"]),
            query=str(r["query_b"]),
            calls_before=int(r["calls_b"]),
            mean_before_ms=float(r["mean_exec_ms_b"]),
            calls_after=int(r["calls_a"]),
            mean_after_ms=float(r["mean_exec_ms_a"]),
        )
        for r in records(both)
    )


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _matching_apply(
    index: IndexRow, applies: Sequence[Mapping[str, Any]], after: float, by: float
) -> tuple[str, tuple[int, ...]] | None:
    """``(origin, queryids)`` of the ``advisor apply`` that built this index, from the applies
    record: same database, schema and name, built (or rebuilt) before the index was seen."""
    for entry in reversed(applies):
        try:
            when = datetime.fromisoformat(str(entry.get("time"))).timestamp()
        except ValueError:
            continue
        if when > by:
            continue
        for built in entry.get("indexes", ()):
            if (
                built.get("name") == index.name
                and built.get("schema") in (index.schema, None)
                and built.get("outcome") in ("created", "rebuilt")
            ):
                queryids = tuple(
                    int(s["queryid"]) for s in built.get("statements", ()) if s.get("queryid")
                )
                return f"built by advisor apply from {entry.get('source')}", queryids
    return None


def _applied(
    loader: _Loader,
    metas: Sequence[SnapshotMeta],
    start: SnapshotMeta,
    newest: SnapshotMeta,
    stored: Sequence[StoredRecommendation],
    catalog: Catalog | None,
    options: ReportOptions,
    applies: Sequence[Mapping[str, Any]] = (),
) -> tuple[AppliedIndex, ...]:
    window = periods.between(metas, start, newest)
    final = {i.oid: i for i in loader.indexes(newest)}
    seen: dict[int, tuple[SnapshotMeta, SnapshotMeta]] = {}
    for older, newer in itertools.pairwise(window):
        had = {i.oid for i in loader.indexes(older)}
        for index in loader.indexes(newer):
            if index.oid not in had and index.oid in final and index.oid not in seen:
                seen[index.oid] = (older, newer)
    out = []
    for oid, (last_without, first_with) in seen.items():
        index = final[oid]
        rec = _matching_recommendation(index, stored, first_with.taken_at)
        applied = _matching_apply(index, applies, last_without.taken_at, first_with.taken_at)
        note: str | None = None
        effects: tuple[Effect, ...] = ()
        # before: from the snapshot closest to a period before it appeared (or, with none,
        # everything counted up to the last snapshot without it); after: since it appeared
        since_start = periods.closest_before(
            metas, last_without.taken_at - options.since_seconds, last_without
        )
        if first_with.id == newest.id:
            note = "appeared just before the newest snapshot: measured in the next report"
        else:
            before, _ = _statements(loader, since_start, last_without)
            after, _ = _statements(loader, first_with, newest)
            wanted = _meant_for(index, rec, before, catalog)
            if applied is not None and not wanted:
                queryids = set(applied[1])
                wanted = {
                    str(r["fingerprint"]) for r in records(before) if queryids & set(r["queryids"])
                }
            effects = _effects(before, after, wanted)
            if not effects:
                note = "none of the statements it was meant for ran both before and after"
        origin = None
        if rec is not None:
            origin = f"recommended {_when(rec.recommended_at)}"
        elif applied is not None:
            origin = applied[0]
        out.append(
            build(
                AppliedIndex,
                vars(index),
                appeared_after=last_without.taken_at,
                appeared_by=first_with.taken_at,
                recommended_at=rec.recommended_at if rec else None,
                scans=index.scans,  # pg_stat_user_indexes counts it since its build
                effects=effects,
                note=note,
                origin=origin,
            )
        )
    out.sort(key=lambda a: a.appeared_by)
    return tuple(out)


def _over_period(
    recommendations: Sequence[Recommendation], lines: Sequence[StatementLine], window: Window
) -> tuple[Recommendation, ...]:
    """The recommendations' savings measured over the report's period of snapshots.

    For each statement an index serves, the analysis found the share of its time the index
    saves (its part of the statement's saving over pg_stat_statements' window); the same share
    of the statement's time in the period is what it would have saved there. Per week only when
    the period covers at least a day.
    """
    by_queryid = {q: line for line in lines for q in line.queryids}
    out = []
    for rec in recommendations:
        saved: float | None = None
        for effect in rec.effects:
            statement = effect.statement
            if effect.time_saved_ms is None or statement.total_exec_ms <= 0:
                continue
            share = effect.time_saved_ms / statement.total_exec_ms
            seen = {by_queryid[q].queryid: by_queryid[q] for q in statement.queryids
                    if q in by_queryid}  # fmt: skip
            saved = (saved or 0.0) + share * sum(line.total_exec_ms for line in seen.values())
        out.append(replace(rec, time_saved_ms=saved, time_saved_ms_per_week=window.per_week(saved)))
    return tuple(out)


def build_report(
    store: Store,
    key: ServerKey,
    *,
    options: ReportOptions | None = None,
    catalog: Catalog | None = None,
    recommendations: Sequence[Recommendation] = (),
    advice_note: str | None = None,
    verdict: Sequence[Finding] | None = None,
    analysis_window: Window | None = None,
    applies: Sequence[Mapping[str, Any]] = (),
) -> WeeklyReport:
    """The report for ``key`` from the snapshots in ``store``; ``verdict`` is the review's
    findings on the existing indexes (``advisor.review``), None when not reviewed."""
    options = options or ReportOptions()
    metas = store.snapshots(key)
    if not metas:
        raise UsageError(
            f"the store holds no snapshot of database {key.database}",
            "run advisor snapshot first, or report without --no-snapshot",
        )
    loader = _Loader(store)
    newest = metas[-1]
    start = periods.closest_before(metas, newest.taken_at - options.since_seconds, newest)
    previous = (
        periods.closest_before(metas, start.taken_at - options.since_seconds, start)
        if start is not None
        else None
    )
    current, notes = _statements(loader, start, newest)
    prior = _statements(loader, previous, start)[0] if start and previous else None
    lines = _lines(current, prior, options)
    tables = deltas.table_delta(loader.full(start) if start else None, loader.full(newest))
    indexes = deltas.index_delta(loader.full(start) if start else None, loader.full(newest))
    all_notes = list(dict.fromkeys([*notes, *tables.notes, *indexes.notes]))
    if start is None:
        all_notes.insert(
            0,
            "only one snapshot is stored: figures are totals since the statistics were last "
            "reset; the next report will cover the period between snapshots",
        )
    mine = [a for a in applies if a.get("database") in (key.database, None)]
    stored = store.recommendations(key)
    applied = (
        _applied(loader, metas, start, newest, stored, catalog, options, mine)
        if start is not None
        else ()
    )
    if start is not None:
        window = from_epochs(
            "stored snapshots", start.taken_at, newest.taken_at, "the report's period"
        )
        recommendations = _over_period(recommendations, lines, window)
    else:
        window = analysis_window or Window("pg_stat_statements statistics", None)
    top = options.top
    # catalog-only and utility statements (monitoring, BEGIN, SET, VACUUM...) are counted in
    # the totals, but stay out of the top lists: no index is ever advised for them
    ranked = [line for line in lines if report_kind(line.query) == "workload"]
    regressions = sorted(
        (line for line in ranked if line.change is Change.SLOWER),
        key=lambda line: line.change_pct or 0.0,
        reverse=True,
    )
    return WeeklyReport(
        database=key.database,
        system_id=key.system_id,
        server_version=newest.server_version,
        generated_at=time.time(),
        period_start=start.taken_at if start else None,
        period_end=newest.taken_at,
        previous_start=previous.taken_at if previous else None,
        since_seconds=options.since_seconds,
        statements=lines,
        top_total=tuple(ranked[:top]),
        top_mean=tuple(sorted(ranked, key=lambda s: s.mean_exec_ms, reverse=True)[:top]),
        top_calls=tuple(sorted(ranked, key=lambda s: s.calls, reverse=True)[:top]),
        regressions=tuple(regressions),
        growth=_growth(tables.rows, indexes.rows if start is not None else pd.DataFrame(), top),
        sizes=_sizes(loader.full(newest), top),
        unused_indexes=_droppable(verdict, indexes.rows, loader.full(newest)),
        statistics_fixes=_statistics_fixes(verdict),
        taken_back=tuple(record.taken_back(mine, key.database).values()),
        applied=applied,
        trend=_trend(loader, metas, newest, options),
        recommendations=tuple(recommendations),
        advice_note=advice_note,
        window=window,
        notes=tuple(all_notes),
        total_calls=int(current["calls"].sum()) if not current.empty else 0,
        total_exec_ms=float(current["total_exec_ms"].sum()) if not current.empty else 0.0,
        database_size=newest.database_size,
    )


def regressions_over(report: WeeklyReport, pct: float) -> tuple[StatementLine, ...]:
    """Statements whose mean time grew more than ``pct`` percent (``--fail-on-regression``)."""
    return tuple(
        line for line in report.regressions if line.change_pct is not None and line.change_pct > pct
    )


def stored_recommendations(
    snapshot: SnapshotMeta, recommendations: Sequence[Recommendation]
) -> list[StoredRecommendation]:
    """Recommendations in the form the store keeps, tied to the report's newest snapshot."""
    return [
        StoredRecommendation(
            snapshot_id=snapshot.id,
            recommended_at=snapshot.taken_at,
            schema=rec.spec.table.schema,
            table=rec.spec.table.name,
            name=rec.name,
            method=rec.spec.method,
            keys=rec.spec.key_texts,
            create_sql=rec.create_sql,
            queryids=tuple(
                sorted(
                    {q for e in rec.effects for q in e.statement.queryids}
                    | {e.statement.queryid for e in rec.effects if e.statement.queryid is not None}
                )
            ),
        )
        for rec in recommendations
    ]
