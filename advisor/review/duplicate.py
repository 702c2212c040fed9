"""``duplicate``: two or more indexes that store exactly the same thing."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.model import Finding
from advisor.review.base import Check, Context, Proposal, covers
from advisor.review.facts import IndexFacts, protection

KIND = "duplicate"


def find(ctx: Context) -> Iterator[Proposal]:
    """Flags an index identical to another one on the same table.

    Identical means what PostgreSQL stores, not what the names say: the same access method, the
    same key columns and expressions in the same order, with the same operator classes,
    collations and sort orders, the same INCLUDE columns and the same predicate
    (``pg_index.indkey``, ``indclass``, ``indcollation``, ``indoption``, ``indexprs``,
    ``indpred``). Every write updates both and the planner can only ever use one. Bad:
    ``orders_customer_idx (customer_id)`` next to ``ix_orders_customer (customer_id)``. Good:
    keep one. The one kept is the one that backs a constraint or is unique, else the most
    scanned, else the oldest; the others are proposed for dropping.
    """
    groups: dict[tuple[object, ...], list[IndexFacts]] = {}
    for index in ctx.indexes:
        if index.is_valid:
            groups.setdefault(index.identity, []).append(index)
    for group in groups.values():
        if len(group) < 2:
            continue
        ranked = sorted(group, key=lambda i: (protection(i) is None, -ctx.scans(i), i.oid))
        keeper = ranked[0]
        staying = tuple(i for i in ranked if i is keeper or protection(i) is not None)
        wider = tuple(i for i in ctx.on_table(keeper.table_oid) if covers(i, keeper))
        for index in ranked[1:]:
            if protection(index) is not None:
                continue
            finding = Finding(
                kind=KIND,
                table=index.table,
                index=index.name,
                size_bytes=index.size_bytes,
                detail=(
                    f"same {index.shape} as {keeper.name}: one of them is enough, every write "
                    "updates both"
                ),
            )
            yield Proposal(finding, drop=index, keep_one_of=staying + wider)


CHECK = Check(KIND, find)
