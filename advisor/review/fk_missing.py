"""``fk_without_index``: foreign keys whose referencing columns lead no index."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.db import ddl
from advisor.model import Finding, IndexKey, IndexSpec
from advisor.review.base import Check, Context, Proposal

KIND = "fk_without_index"


def find(ctx: Context) -> Iterator[Proposal]:
    """Flags a foreign key whose referencing columns lead no valid index.

    Every ``DELETE`` on the referenced table, and every update of its key, makes PostgreSQL look
    for referencing rows: without an index on the referencing columns that is a full scan of the
    referencing table, once per deleted row, holding locks meanwhile; ``ON DELETE CASCADE`` and
    joins on the key suffer the same way. Bad: ``order_lines.order_id REFERENCES orders`` with no
    index starting with ``order_id``. Good: ``create_sql``, a ``CREATE INDEX CONCURRENTLY IF NOT
    EXISTS`` on those columns. An index serves when its leading key columns are exactly the
    foreign key's columns, in any order (a B-tree, or a hash index for a single column); partial
    indexes do not count. On a partitioned table the index cannot be built concurrently in one
    statement, so no ``create_sql`` is given.
    """
    seen: set[tuple[int, frozenset[int]]] = set()
    for fk in ctx.foreign_keys:
        key = (fk.table_oid, frozenset(fk.attnums))
        if key in seen or any(fk.served_by(i) for i in ctx.on_table(fk.table_oid)):
            continue
        seen.add(key)
        same = [f.name for f in ctx.foreign_keys if (f.table_oid, frozenset(f.attnums)) == key]
        columns = ", ".join(ddl.display(c) for c in fk.columns)
        detail = (
            f"foreign key {', '.join(same)} ({columns}) -> {fk.referenced}: no index leads with "
            f"these columns, so each delete or key update on {fk.referenced} scans {fk.table}"
        )
        create_sql = None
        if fk.table_kind == "p":
            detail += "; partitioned: build the index on each partition concurrently, then attach"
        else:
            spec = IndexSpec(fk.table, tuple(IndexKey(c) for c in fk.columns))
            name = ctx.names.name(spec)
            create_sql = ddl.create_index(
                spec, name, concurrently=True, if_not_exists=True
            ).as_string(None)
        yield Proposal(Finding(KIND, fk.table, None, 0, detail, create_sql=create_sql))


CHECK = Check(KIND, find)
