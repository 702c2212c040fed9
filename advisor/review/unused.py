"""``unused``: indexes no scan has read since the statistics started counting."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.model import Finding
from advisor.review.base import Check, Context, Proposal, age_text
from advisor.review.facts import protection

KIND = "unused"


def find(ctx: Context) -> Iterator[Proposal]:
    """Flags an index with no scan (``idx_scan = 0``) since the statistics were last reset.

    Such an index is paid for on every write, in disk, cache and vacuum time, and returns
    nothing. Statistics are kept per server: scans on the replicas given with
    ``--replica-dsn`` are added, since a read replica may be the only place an index is read.
    Nothing is called unused while the statistics are younger than the threshold (a month-end
    report may not have run yet), or when their age is unknown. An index built after the reset
    has had less time to be scanned: check its age before dropping. Bad: a 2 GB index with
    ``idx_scan = 0`` after 90 days. Good: drop it, with ``restore_sql`` kept as the way back.
    Indexes that enforce something or are the only one a foreign key can use are not proposed.
    """
    age = ctx.stats_age_seconds
    if age is None or age < ctx.min_stats_age_seconds:
        return
    where = "on this server and its replicas" if ctx.replica_scans else "on this server"
    for index in ctx.indexes:
        if not index.is_valid or protection(index) is not None or ctx.scans(index) > 0:
            continue
        finding = Finding(
            kind=KIND,
            table=index.table,
            index=index.name,
            size_bytes=index.size_bytes,
            detail=f"no scan {where} in the {age_text(age)} of statistics (idx_scan = 0)",
        )
        yield Proposal(finding, drop=index)


CHECK = Check(KIND, find)
