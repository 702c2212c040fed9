"""``advisor report``: snapshot (unless told not to), advise (unless told not to), build.

The live database is read on the read-only analysis session; only the store is written (the
fresh snapshot, and the recommendations so that a later report can measure them once applied).
"""

from __future__ import annotations

import psycopg

from advisor.collect.catalog import Catalog, read_catalog
from advisor.db.session import safe_message
from advisor.errors import AnalysisAborted, PreflightError
from advisor.history import capture
from advisor.history.model import ServerKey
from advisor.history.snapshots import open_session, read_snapshot
from advisor.history.store import Store
from advisor.model import Recommendation
from advisor.progress import Progress
from advisor.report.build import ReportOptions, build_report, stored_recommendations
from advisor.report.model import WeeklyReport
from advisor.settings import Settings


def _live(
    dsn: str | None,
    store: Store,
    *,
    snapshot: bool,
    taken_at: float | None,
    settings: Settings,
    progress: Progress,
) -> tuple[ServerKey, Catalog]:
    conn = open_session(dsn, statement_timeout_ms=max(settings.statement_timeout_ms, 30_000),
                        lock_timeout_ms=settings.lock_timeout_ms)  # fmt: skip
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
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(f"connection lost: {safe_message(exc)}") from None
    finally:
        conn.close()
    return key, catalog


def run_report(
    dsn: str | None,
    store: Store,
    *,
    options: ReportOptions | None = None,
    snapshot: bool = True,
    advice: Settings | None = None,
    taken_at: float | None = None,
    retention_seconds: float | None = None,
    progress: Progress | None = None,
    record: bool = True,
) -> WeeklyReport:
    """Report on the database at ``dsn``. ``advice=None`` skips the (slower) index analysis.

    ``record=False`` leaves the store as it was: the fresh recommendations are not saved (a
    later report then cannot tell whether they were applied). Read-only callers pass it with
    ``snapshot=False`` and no retention.
    """
    from advisor.pipeline import analyze  # the pipeline is heavy; import it when advising

    progress = progress or Progress(enabled=False)
    settings = advice or Settings()
    key, catalog = _live(dsn, store, snapshot=snapshot, taken_at=taken_at, settings=settings,
                         progress=progress)  # fmt: skip
    recommendations: tuple[Recommendation, ...] = ()
    note: str | None = "not computed (--no-advice)"
    if advice is not None:
        note = None
        try:
            result = analyze(dsn, advice, progress=progress.note)
            recommendations = result.recommendations
        except PreflightError as err:
            note = f"not computed: {err}"
    progress.note("building the report")
    report = build_report(store, key, options=options, catalog=catalog,
                          recommendations=recommendations, advice_note=note)  # fmt: skip
    if recommendations and record:
        newest = store.snapshots(key)[-1]
        store.save_recommendations(stored_recommendations(newest, recommendations))
    if retention_seconds:
        store.prune(key, report.period_end - retention_seconds)
    return report
