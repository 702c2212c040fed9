"""``invalid``: indexes PostgreSQL marked invalid, left behind by a failed concurrent build."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.model import Finding
from advisor.review import restore
from advisor.review.base import Check, Context, Proposal
from advisor.review.facts import protection

KIND = "invalid"


def find(ctx: Context) -> Iterator[Proposal]:
    """Flags an index marked invalid (``pg_index.indisvalid = false``).

    A ``CREATE INDEX CONCURRENTLY`` or ``REINDEX CONCURRENTLY`` that failed (a duplicate value
    under a unique index, a deadlock, a cancelled session) leaves its index behind, invalid. The
    planner never reads it, yet every insert and update still maintains it, and an invalid unique
    index still rejects duplicates. Bad: ``orders_code_idx ... INVALID`` sitting in ``\\d orders``
    for months. Good: drop it (``drop_sql``), fix what made the build fail, and build it again
    with ``create_sql`` (the same definition, ``CONCURRENTLY IF NOT EXISTS``). An index being
    built right now is invalid too until its build ends: it is left alone. An index on a
    partitioned table is invalid until every partition has a valid index attached to it: an
    interrupted ``advisor apply`` leaves one so (without storage, it costs nothing), and
    running it again finishes it.
    """
    for index in ctx.indexes:
        if index.is_valid or protection(index) is not None:
            continue
        if index.kind == "I":
            detail = (
                "INVALID: not every partition has a valid index attached to it (an unfinished "
                "partition-by-partition build); it has no storage and costs no writes. Run "
                "advisor apply with its plan again to attach the rest, or drop it"
            )
        else:
            detail = "INVALID: a concurrent build or reindex failed and left it behind"
        if index.is_ready and index.kind != "I":
            detail += "; the planner never uses it, but every write still updates it"
        if index.is_unique:
            detail += "; it still rejects duplicates, and rebuilding fails until they are removed"
        rebuild: str | None = None
        try:
            if index.kind != "I":  # there: finish it with advisor apply, see the detail
                rebuild = restore.restore_sql(index)
        except restore.RestoreError:
            pass
        finding = Finding(
            kind=KIND,
            table=index.table,
            index=index.name,
            size_bytes=index.size_bytes,
            detail=detail + "; drop it, fix the cause, rebuild it",
            create_sql=rebuild,
        )
        yield Proposal(finding, drop=index)


CHECK = Check(KIND, find)
