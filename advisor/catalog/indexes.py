"""Every index of the database, read by one query into ``ExistingIndex`` values.

Analyze, review, lint, ``advisor table``, snapshots and apply all read indexes here, so that an
index is the same fact in every command. Expression and predicate node trees are kept without
their parse locations: two ``CREATE INDEX`` texts that differ only in spacing store different
locations for the same expression. The query runs with ``search_path`` pinned to pg_catalog
(inside a transaction of its own unless the caller has one), so definitions name every object
outside pg_catalog with its schema and mean the same thing in any session that replays them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.db import queries, session
from advisor.model import ExistingIndex, TableRef


def split_node_list(tree: str | None) -> tuple[str, ...]:
    """``({A ...} {B ...})`` -> ``("{A ...}", "{B ...}")``: the top-level nodes of a node list."""
    if not tree:
        return ()
    items: list[str] = []
    depth = 0
    start = 0
    escaped = False
    for pos, char in enumerate(tree):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            if depth == 0:
                start = pos
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                items.append(tree[start : pos + 1])
    return tuple(items)


def from_row(row: Mapping[str, Any], *, size_exact: bool = True) -> ExistingIndex:
    """An ``ExistingIndex`` from a row of ``catalog_indexes`` (or its lock-free variant)."""
    texts = tuple(row["column_texts"])
    count = int(row["key_count"])
    unique = "UNIQUE " if row["is_unique"] else ""
    definition = row["definition"] or (
        f"CREATE {unique}INDEX {row['name']} USING {row['method']} ({', '.join(texts[:count])})"
    )
    return ExistingIndex(
        oid=int(row["oid"]),
        table=TableRef(row["schema"], row["table_name"]),
        name=row["name"],
        method=row["method"],
        keys=texts[:count],
        include=texts[count:],
        predicate=row["predicate"],
        definition=definition,
        quoted_definition=row.get("quoted_definition") or "",
        is_unique=row["is_unique"],
        is_primary=row["is_primary"],
        is_valid=row["is_valid"],
        size_bytes=int(row["size_bytes"] or 0),
        scans=int(row["scans"] or 0),
        table_oid=int(row["table_oid"]),
        table_kind=row["table_kind"],
        kind=row["kind"],
        key_count=count,
        attnums=tuple(row["attnums"]),
        opclasses=tuple(int(o) for o in row["opclasses"]),
        collations=tuple(int(o) for o in row["collations"]),
        options=tuple(row["options"]),
        expressions=split_node_list(row["expressions"]),
        predicate_tree=row["predicate_tree"],
        tablespace=row["tablespace"],
        is_exclusion=row["is_exclusion"],
        is_replica_identity=row["is_replica_identity"],
        is_ready=row["is_ready"],
        constraints=tuple(row["constraints"]),
        parent_oid=None if row["parent_oid"] is None else int(row["parent_oid"]),
        leaf_oids=tuple(int(o) for o in row["leaf_oids"]),
        extension_member=row["extension_member"],
        building=row["building"],
        tup_read=int(row["tup_read"] or 0),
        tup_fetch=int(row["tup_fetch"] or 0),
        size_exact=size_exact,
    )


def read_indexes(
    conn: psycopg.Connection[Any], *, table_oid: int | None = None
) -> tuple[ExistingIndex, ...]:
    """Every index on a user table, or those of the table ``table_oid``, by schema, table, name."""
    # resolve and print names against pg_catalog only while reading, so that pg_get_indexdef
    # qualifies every function, operator, type and collation outside pg_catalog and a definition
    # means the same thing in any session that replays it
    pin = session.pinned(conn, "search_path", "pg_catalog")
    with pin, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(queries.load("catalog_indexes"), {"table_oid": table_oid}).fetchall()
        quoted = _quoted_definitions(cur, [int(r["oid"]) for r in rows])
    return tuple(from_row({**r, "quoted_definition": quoted.get(int(r["oid"]))}) for r in rows)


def _quoted_definitions(cur: psycopg.Cursor[Any], oids: list[int]) -> dict[int, str]:
    """The indexes' definitions with every name quoted (``quote_all_identifiers``), for the
    parser (``ExistingIndex.parsable_definition``): the ones above stay as the server prints
    them, for people, and their key texts match advice."""
    if not oids:
        return {}
    with session.pinned(cur.connection, "quote_all_identifiers", "on"):
        found = cur.execute(queries.load("catalog_index_definitions"), {"oids": oids}).fetchall()
    return {int(r["oid"]): str(r["definition"]) for r in found if r["definition"]}


def read_indexes_lock_free(
    conn: psycopg.Connection[Any], table_oid: int
) -> tuple[ExistingIndex, ...]:
    """One table's indexes without waiting for any lock: expression and predicate texts,
    definitions and exact sizes are not available (``size_exact`` is False)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            queries.load("catalog_indexes_lockfree"), {"table_oid": table_oid}
        ).fetchall()
    return tuple(from_row(r, size_exact=False) for r in rows)
