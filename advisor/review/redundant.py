"""``redundant``: a B-tree whose keys lead another B-tree on the same table."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.model import Finding
from advisor.review.base import Check, Context, Proposal, covers, names
from advisor.review.facts import protection

KIND = "redundant"


def find(ctx: Context) -> Iterator[Proposal]:
    """Flags a B-tree index whose key columns are a leading prefix of another valid B-tree.

    A B-tree on ``(a, b)`` answers every lookup, range and ordering on ``a`` that a B-tree on
    ``(a)`` answers, so the shorter one mostly costs writes, disk and cache. Bad:
    ``orders (customer_id)`` beside ``orders (customer_id, created_at)``. Good: keep the wider
    one. The keys must match with their operator classes, collations and sort orders, the
    shorter index's INCLUDE columns must be stored in the wider one, and the wider one must hold
    every row the shorter one does (no predicate, or the same). Indexes that enforce something
    (primary key, unique, exclusion, replica identity) are never flagged. The wider index is
    bigger, so a scan of it reads a little more: the ``safe`` flag says whether a workload plan
    uses the shorter one today.
    """
    for index in ctx.indexes:
        if not index.is_valid or index.method != "btree" or protection(index) is not None:
            continue
        wider = [i for i in ctx.on_table(index.table_oid) if covers(i, index)]
        if not wider:
            continue
        # the one most likely to stay first: it enforces something, has more keys, is older
        wider.sort(key=lambda i: (protection(i) is None, -i.n_keys, i.oid))
        shapes = "; ".join(f"{w.name} {w.shape}" for w in wider[:3])
        finding = Finding(
            kind=KIND,
            table=index.table,
            index=index.name,
            size_bytes=index.size_bytes,
            detail=f"its keys ({index.key_text}) lead {shapes}: {names(wider[:1])} serves it",
        )
        yield Proposal(finding, drop=index, keep_one_of=tuple(wider))


CHECK = Check(KIND, find)
