"""``advisor report``: snapshot (unless told not to), advise (unless told not to), build.

The live database is read on the read-only analysis session; only the store is written (the
fresh snapshot, and the recommendations so that a later report can measure them once applied).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import psycopg

from advisor.apply.record import read_quietly
from advisor.collect.catalog import Catalog, read_catalog
from advisor.db.session import safe_message
from advisor.errors import AnalysisAborted, PreflightError
from advisor.history import capture
from advisor.history.model import ServerKey
from advisor.history.snapshots import open_session, read_snapshot
from advisor.history.store import Store
from advisor.model import Finding, Recommendation
from advisor.progress import Progress
from advisor.report.build import ReportOptions, build_report, stored_recommendations
from advisor.report.model import WeeklyReport
from advisor.review import distinct, review_live
from advisor.settings import RunOptions, Settings


def _live(
    dsn: str | None,
    store: Store,
    *,
    snapshot: bool,
    taken_at: float | None,
    run: RunOptions,
    progress: Progress,
    review: bool,
    min_table_rows: int,
) -> tuple[ServerKey, Catalog, tuple[Finding, ...] | None]:
    conn = open_session(dsn, statement_timeout_ms=max(run.statement_timeout_ms, 30_000),
                        lock_timeout_ms=run.lock_timeout_ms)  # fmt: skip
    try:
        if snapshot:
            snap = read_snapshot(conn, taken_at=taken_at, progress=progress)
            progress.note(f"saving the snapshot to {store.location}")
            store.save(snap)
            key = snap.meta.key
        else:
            key = capture.server_key(conn)
        progress.note("reading the catalog")
        catalog = read_catalog(conn)
        verdict = None
        if review:
            progress.note("reviewing the existing indexes")
            verdict = review_live(conn, min_stats_age_seconds=run.min_stats_age_s)
            verdict += distinct.find(catalog, min_table_rows)
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(f"connection lost: {safe_message(exc)}") from None
    finally:
        conn.close()
    return key, catalog, verdict


def run_report(
    dsn: str | None,
    store: Store,
    *,
    options: ReportOptions | None = None,
    snapshot: bool = True,
    advice: Settings | None = None,
    run: RunOptions | None = None,
    taken_at: float | None = None,
    retention_seconds: float | None = None,
    progress: Progress | None = None,
    record: bool = True,
    min_stats_age_s: float | None = None,
    applies_log: Path | None = None,
) -> WeeklyReport:
    """Report on the database at ``dsn``. ``advice=None`` skips the (slower) index analysis.

    ``record=False`` leaves the store as it was: the fresh recommendations are not saved (a
    later report then cannot tell whether they were applied). Read-only callers pass it with
    ``snapshot=False`` and no retention.

    The droppable indexes are the review's verdict (``advisor.review``): the analysis's own
    findings when advising, else the same checks without the workload's plans; no index is
    called unused on statistics younger than ``min_stats_age_s`` (default: ``run``'s). ``run``
    wires the sessions (timeouts) and the analysis (review).
    ``applies_log`` is ``advisor apply``'s record (default: its default file): an index it built
    is reported as coming from a recommendation, and measured on the statements it was for.
    """
    from advisor.pipeline import analyze  # the pipeline is heavy; import it when advising
    from advisor.sources.workload import SourceOptions

    progress = progress or Progress(enabled=False)
    run = run or RunOptions()
    if min_stats_age_s is not None:
        run = replace(run, min_stats_age_s=min_stats_age_s)
    key, catalog, verdict = _live(
        dsn, store, snapshot=snapshot, taken_at=taken_at, run=run, progress=progress,
        review=advice is None or not run.review,
        min_table_rows=(advice or Settings()).min_table_rows,
    )  # fmt: skip
    recommendations: tuple[Recommendation, ...] = ()
    window = None
    note: str | None = "not computed (--no-advice)"
    if advice is not None:
        note = None
        try:
            result = analyze(dsn, advice, SourceOptions(), progress, run=run)
            recommendations = result.recommendations
            window = result.window
            if run.review:  # the same verdict as analyze's, proven against the plans
                verdict = result.findings
        except PreflightError as err:
            note = f"not computed: {err}"
    progress.note("building the report")
    report = build_report(store, key, options=options, catalog=catalog,
                          recommendations=recommendations, advice_note=note,
                          verdict=verdict, analysis_window=window,
                          applies=read_quietly(applies_log))  # fmt: skip
    if recommendations and record:
        newest = store.snapshots(key)[-1]
        store.save_recommendations(stored_recommendations(newest, recommendations))
    if retention_seconds:
        store.prune(key, report.period_end - retention_seconds)
    return report
