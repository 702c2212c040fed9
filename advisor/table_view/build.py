"""``advisor table NAME``: one table on one screen, for "this table is slow".

The facts come from the live database on the read-only session. The workload statements that
touch the table come from pg_stat_statements, matched by the parser (``touches``). For advice,
the whole workload is analysed (an index on this table may be chosen because of a join with
another one) and the recommendations on this table are kept, with each touching statement's
verdict: served by a recommended index, or why not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg

from advisor.catalog.facts import read_facts, search_path_of
from advisor.collect import server as server_mod
from advisor.collect.catalog import read_catalog
from advisor.db import session
from advisor.errors import AdvisorError, AnalysisAborted, PreflightError
from advisor.history.capture import pgss_schema
from advisor.model import ExistingIndex, Finding, Recommendation, Report, Statement, TableRef
from advisor.progress import Progress
from advisor.review import distinct, review_live
from advisor.settings import RunOptions, Settings
from advisor.sources.pgss import read_statements
from advisor.sources.workload import SourceOptions
from advisor.table_view import collect
from advisor.table_view.model import IndexInfo, TableView, TouchingStatement
from advisor.table_view.name import lookup, resolve
from advisor.table_view.touches import tables_of


def _search_path(conn: psycopg.Connection[Any]) -> tuple[str, ...]:
    return search_path_of(read_facts(conn))


def _touching(
    conn: psycopg.Connection[Any],
    known: set[TableRef],
    search_path: tuple[str, ...],
    ref: TableRef,
    pgss_schema: str,
    progress: Progress,
) -> list[Statement]:
    """Workload statements that reference ``ref``, names resolved along the search_path."""
    workload = read_statements(conn, pgss_schema, Settings(min_calls=1))

    def resolve_ref(schema: str | None, name: str) -> TableRef | None:
        return lookup(schema, name, known, search_path)

    return [
        s
        for s in progress.track(workload, "matching statements")
        if ref in tables_of(s.query, resolve_ref)
    ]


def _verdicts(
    statements: list[Statement], ref: TableRef, report: Report | None
) -> tuple[tuple[TouchingStatement, ...], tuple[Recommendation, ...]]:
    """Each statement's advice or reason, matched by text (several texts may share a queryid)."""
    if report is None:
        return tuple(TouchingStatement(s, (), None) for s in statements), ()
    mine = tuple(r for r in report.recommendations if r.spec.table == ref)
    served: dict[str, list[str]] = {}
    for rec in report.recommendations:
        for effect in rec.effects:
            served.setdefault(effect.statement.query, []).append(rec.name)
    reasons: dict[str, str | None] = {r.statement.query: r.reason for r in report.statements}
    reasons.update({k.statement.query: k.reason for k in report.skipped})
    judged = {r.statement.query: r.time_vs_cost for r in report.statements}
    risks = {r.statement.query: r.plan_risk for r in report.statements}
    out = []
    for s in statements:
        advice = tuple(dict.fromkeys(served.get(s.query, ())))
        if advice:
            reason = None
        elif s.query in reasons:
            reason = reasons[s.query] or "helped only by indexes below the selection threshold"
        else:
            reason = "not analysed (below --min-calls or --top)"
        out.append(TouchingStatement(s, advice, reason, judged.get(s.query), risks.get(s.query)))
    return tuple(out), mine


def _with_findings(
    indexes: tuple[ExistingIndex, ...], findings: tuple[Finding, ...]
) -> tuple[IndexInfo, ...]:
    by_name: dict[str, list[str]] = {}
    for f in findings:
        if f.index is not None:
            repair = f" (repair: {f.fix_sql})" if f.fix_sql else ""  # statistics, not the index
            by_name.setdefault(f.index, []).append(f"{f.kind}: {f.detail}{repair}")
    return tuple(IndexInfo(i, tuple(by_name.get(i.name, ()))) for i in indexes)


def _statistics_findings(
    conn: psycopg.Connection[Any], ref: TableRef, min_table_rows: int, notes: list[str]
) -> tuple[Finding, ...]:
    """The statistics check (``review.distinct``) on this table: it needs no plans, so it
    gives the finding ``analyze`` and ``report`` give, with or without advice. The catalog it
    reads covers every table, one of which may be locked exclusively."""
    try:
        with conn.transaction():
            catalog = read_catalog(conn)
    except psycopg.errors.LockNotAvailable:
        notes.append("column statistics not checked: a table is locked exclusively")
        return ()
    return tuple(f for f in distinct.find(catalog, min_table_rows) if f.table == ref)


def inspect_table(
    dsn: str | None,
    name: str,
    *,
    advice: Settings | None = None,
    statement_timeout_ms: int = 10_000,
    lock_timeout_ms: int = 1_000,
    min_stats_age_s: float | None = None,
    progress: Progress | None = None,
) -> TableView:
    """Everything about the table ``name``; ``advice=None`` skips the index analysis.

    The indexes carry the review's verdict (``advisor.review``), with ``min_stats_age_s``
    (default: ``RunOptions``'): with advice (the selection thresholds), the analysis's own
    findings, proven against the workload's plans; without, the same checks without plans.
    """
    run = RunOptions(statement_timeout_ms=statement_timeout_ms, lock_timeout_ms=lock_timeout_ms)
    if min_stats_age_s is not None:
        run = replace(run, min_stats_age_s=min_stats_age_s)
    min_age = run.min_stats_age_s
    from advisor.pipeline import analyze  # heavy: only when advising

    progress = progress or Progress(enabled=False)
    conn = session.connect(
        dsn, statement_timeout_ms=statement_timeout_ms, lock_timeout_ms=lock_timeout_ms
    )
    notes: list[str] = []
    try:
        try:
            server: server_mod.Server | None = server_mod.check(conn, require_hypopg=False)
        except PreflightError as err:  # no pg_stat_statements: the table's facts still stand
            server_mod.check(conn, require_hypopg=False, require_pgss=False)
            server = None
            notes.append(f"no workload statements: {err}")
        progress.note("resolving the name")
        known = collect.candidates(conn)
        search_path = _search_path(conn)
        ref = resolve(name, list(known), search_path)
        progress.note(f"reading {ref}")
        stats, sizes, indexes, locks = collect.read_table(conn, known[ref])
        columns = collect.read_columns(conn, known[ref], indexes)
        findings = review_live(
            conn, min_stats_age_seconds=min_age, table_oid=known[ref], indexes=indexes
        )
        if not sizes.exact:
            notes.append(
                "the table is locked exclusively: sizes are estimates from relpages and "
                "index definitions are abbreviated"
            )
        statements = (
            _touching(conn, set(known), search_path, ref, pgss_schema(server), progress)
            if server is not None
            else []
        )
        findings += _statistics_findings(conn, ref, (advice or Settings()).min_table_rows, notes)
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(f"connection lost: {session.safe_message(exc)}") from exc
    finally:
        conn.close()
    report: Report | None = None
    advice_note: str | None = "not computed (--no-advice)"
    if advice is not None:
        advice_note = None
        try:
            report = analyze(dsn, advice, SourceOptions(), progress, run=run)
            if run.review:
                findings = tuple(f for f in report.findings if f.table == ref)
        except psycopg.errors.LockNotAvailable:
            advice_note = "not computed: a table is locked exclusively (see Locks)"
        except AdvisorError as err:  # HypoPG missing, a lock or a timeout: the facts still stand
            advice_note = f"not computed: {err}"
    verdicts, recommendations = _verdicts(statements, ref, report)
    return TableView(
        ref=ref,
        stats=stats,
        sizes=sizes,
        indexes=_with_findings(indexes, findings),
        locks=locks,
        statements=verdicts,
        recommendations=recommendations,
        advice_note=advice_note,
        notes=tuple(notes),
        columns=columns,
        window=report.window if report is not None else None,
    )
