"""Merge the statements of several sources into one workload, by the parser's fingerprint.

pg_stat_statements' ``WHERE id = $1``, a logged ``WHERE id = 42`` and a file's ``WHERE id = 7``
are one statement. Sources are different views of the same executions, so a merged statement
takes the largest evidence of any source rather than their sum: the most completed calls and
measured time of one source, plus the timeouts (which only logs see; pg_stat_statements never
counts a cancelled statement). Items of the same source (e.g. rotated log files) add up.

The merged statement lists where it came from (``sources``, and ``Statement.source`` such as
``pg_stat_statements+log``), takes the query text and queryid of the first source in
``SOURCE_ORDER`` (pg_stat_statements first) and keeps the samples and the slowest logged plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from advisor.model import Statement
from advisor.settings import Settings
from advisor.sources import sqltext
from advisor.sources.model import (
    FILE,
    QUERY,
    SOURCE_ORDER,
    SourcedStatement,
    ordered_sources,
    source_label,
)


def sourced(item: Statement | SourcedStatement) -> SourcedStatement:
    """A plain ``Statement`` (pg_stat_statements, ``--query``) as a ``SourcedStatement``."""
    if isinstance(item, SourcedStatement):
        return item
    return SourcedStatement(
        statement=item,
        fingerprint=sqltext.fingerprint(item.query),
        samples=() if sqltext.has_params(item.query) else (item.query,),
        sources=(item.source,),
    )


def _priority(item: SourcedStatement) -> int:
    first = item.sources[0] if item.sources else ""
    return SOURCE_ORDER.index(first) if first in SOURCE_ORDER else len(SOURCE_ORDER)


def _slowest_plan(items: list[SourcedStatement]) -> dict[str, Any] | None:
    plans = [i.logged_plan for i in items if i.logged_plan is not None]
    return max(plans, key=lambda p: float(p.get("Duration", 0.0))) if plans else None


def _add_up(items: list[SourcedStatement], max_samples: int) -> SourcedStatement:
    """Items of one source: calls, times and timeouts add up."""
    if len(items) == 1:
        return items[0]
    lead = max(items, key=lambda i: i.statement.total_exec_ms)
    calls = sum(i.statement.calls for i in items)
    total = sum(i.statement.total_exec_ms for i in items)
    samples = list(dict.fromkeys(s for i in items for s in i.samples))[:max_samples]
    statement = replace(
        lead.statement,
        queryids=tuple(sorted({q for i in items for q in i.statement.queryids})),
        calls=calls,
        total_exec_ms=total,
        mean_exec_ms=total / calls if calls else 0.0,
    )
    return replace(
        lead,
        statement=statement,
        samples=tuple(samples),
        timeouts=sum(i.timeouts for i in items),
        timeout_ms=sum(i.timeout_ms for i in items),
        logged_plan=_slowest_plan(items),
    )


def _combine(items: list[SourcedStatement], max_samples: int) -> SourcedStatement:
    """One statement seen by several sources: the largest evidence of any one source."""
    by_source: dict[tuple[str, ...], list[SourcedStatement]] = {}
    for item in items:
        by_source.setdefault(item.sources, []).append(item)
    views = sorted((_add_up(v, max_samples) for v in by_source.values()), key=_priority)
    if len(views) == 1:
        return views[0]
    lead = views[0]
    completed_calls = max(v.completed_calls for v in views)
    completed_ms = max(v.completed_ms for v in views)
    timed = max(views, key=lambda v: (v.timeouts, v.timeout_ms))
    calls = completed_calls + timed.timeouts
    total = completed_ms + timed.timeout_ms
    sources = ordered_sources({s for v in views for s in v.sources})
    queryid = next((v.statement.queryid for v in views if v.statement.queryid is not None), None)
    statement = Statement(
        queryid=queryid,
        queryids=tuple(sorted({q for v in views for q in v.statement.queryids})),
        query=lead.statement.query,
        calls=calls,
        total_exec_ms=total,
        mean_exec_ms=total / calls if calls else 0.0,
        source=source_label(sources),
    )
    return SourcedStatement(
        statement=statement,
        fingerprint=lead.fingerprint,
        samples=tuple(dict.fromkeys(s for v in views for s in v.samples))[:max_samples],
        timeouts=timed.timeouts,
        timeout_ms=timed.timeout_ms,
        sources=sources,
        logged_plan=_slowest_plan(views),
    )


def merge(
    *groups: Iterable[Statement | SourcedStatement], max_samples: int = 5
) -> list[SourcedStatement]:
    """All sources' statements, one per fingerprint, most total time first."""
    by_fingerprint: dict[str, list[SourcedStatement]] = {}
    for group in groups:
        for item in group:
            wrapped = sourced(item)
            by_fingerprint.setdefault(wrapped.fingerprint, []).append(wrapped)
    merged = [_combine(items, max_samples) for items in by_fingerprint.values()]
    merged.sort(key=lambda s: (-s.statement.total_exec_ms, -s.statement.calls))
    return merged


def given(item: SourcedStatement) -> bool:
    """Whether a user named the statement (``--query``, ``--queries``): it is always analysed."""
    return FILE in item.sources or QUERY in item.sources


def apply_limits(items: Iterable[SourcedStatement], settings: Settings) -> list[SourcedStatement]:
    """``--min-calls``, ``--min-time`` and ``--top`` on the measured statements; statements a
    user named are kept. Most total time first."""
    items = list(items)
    measured = [
        i
        for i in items
        if not given(i)
        and i.statement.calls >= settings.min_calls
        and i.statement.total_exec_ms >= settings.min_time_ms
    ]
    measured.sort(key=lambda s: s.statement.total_exec_ms, reverse=True)
    if settings.top is not None:
        measured = measured[: settings.top]
    return [i for i in items if given(i)] + measured


def statements(items: Iterable[SourcedStatement]) -> list[Statement]:
    """The plain statements, for ``analyze()``."""
    return [i.statement for i in items]
