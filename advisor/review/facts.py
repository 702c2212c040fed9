"""What the review knows about each index and foreign key, read once from the catalog.

``advisor.collect.catalog`` gives names, sizes and scan counts; the review also needs the
structure PostgreSQL compares indexes by (``pg_index.indkey``, ``indclass``, ``indcollation``,
``indoption``, ``indexprs``, ``indpred``) and what an index is bound to (constraints, the replica
identity, partitioning). An index on a partitioned table is reviewed as one index: its size
and scans are the sums over the leaf indexes attached below it, which are never proposed on
their own. Expression and predicate node trees are compared with their parse
locations removed: two ``CREATE INDEX`` texts that differ only in spacing store different
locations for the same expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.collect.catalog import Catalog
from advisor.db import queries
from advisor.model import TableRef

KeyShape = tuple[int, str, int, int, int]  # attnum, expression tree, opclass, collation, option


@dataclass(frozen=True)
class IndexFacts:
    oid: int
    table: TableRef
    table_oid: int
    table_kind: str
    name: str
    index_kind: str
    method: str
    key_count: int
    attnums: tuple[int, ...]  # keys then INCLUDE columns; 0 marks an expression key
    opclasses: tuple[int, ...]
    collations: tuple[int, ...]
    options: tuple[int, ...]  # per key: bit 1 DESC, bit 2 NULLS FIRST
    column_texts: tuple[str, ...]  # a column name or an expression's text, per column
    expressions: tuple[str, ...]  # node trees of the expression keys, in order, no locations
    predicate_tree: str | None
    predicate: str | None
    definition: str
    tablespace: str | None
    is_unique: bool
    is_primary: bool
    is_exclusion: bool
    is_replica_identity: bool
    is_valid: bool
    is_ready: bool
    constraints: tuple[str, ...]
    is_partition: bool
    extension_member: bool
    building: bool
    size_bytes: int  # on a partitioned table: the sum over the leaf indexes attached below it
    scans: int  # likewise
    parent_oid: int | None = None  # the partitioned index this one is attached to
    leaf_oids: tuple[int, ...] = ()  # on a partitioned table: the leaf indexes below it

    @property
    def keys(self) -> tuple[KeyShape, ...]:
        """Each key as PostgreSQL compares it: column or expression, opclass, collation, order."""
        shapes: list[KeyShape] = []
        exprs = iter(self.expressions)
        for pos in range(self.key_count):
            attnum = self.attnums[pos]
            expr = next(exprs, "?") if attnum == 0 else ""
            shapes.append(
                (attnum, expr, self.opclasses[pos], self.collations[pos], self.options[pos])
            )
        return tuple(shapes)

    @property
    def include(self) -> frozenset[int]:
        return frozenset(self.attnums[self.key_count :])

    @property
    def identity(self) -> tuple[object, ...]:
        """Equal for two indexes that store the same thing in the same order."""
        return (self.table_oid, self.method, self.keys, self.include, self.predicate_tree)

    @property
    def key_text(self) -> str:
        return ", ".join(self.column_texts[: self.key_count])

    @property
    def shape(self) -> str:
        """``USING btree (a, lower(b)) WHERE ...`` for the report."""
        text = f"USING {self.method} ({self.key_text})"
        if self.include:
            text += f" INCLUDE ({', '.join(self.column_texts[self.key_count :])})"
        if self.predicate:
            text += f" WHERE {self.predicate}"
        return text

    def leading_columns(self, count: int) -> frozenset[int] | None:
        """The first ``count`` key columns as a set, or None when an expression is among them."""
        if count > self.key_count:
            return None
        lead = self.attnums[:count]
        return None if 0 in lead else frozenset(lead)


@dataclass(frozen=True)
class ForeignKey:
    oid: int
    name: str
    table: TableRef
    table_oid: int
    table_kind: str
    attnums: tuple[int, ...]
    columns: tuple[str, ...]
    referenced: TableRef

    def served_by(self, index: IndexFacts) -> bool:
        """True when the index can find the referencing rows of one referenced key.

        The referential checks (``DELETE``/``UPDATE`` on the referenced table) look up the
        referencing table with equality on every foreign key column: a valid B-tree whose leading
        key columns are exactly those columns, in any order, serves them, as does a hash index
        on the single column. Partial indexes are not counted (their predicate may not hold).
        """
        if index.table_oid != self.table_oid or not index.is_valid or index.predicate_tree:
            return False
        if index.method == "hash":
            return index.attnums[:1] == self.attnums and len(self.attnums) == 1
        return index.method == "btree" and index.leading_columns(len(self.attnums)) == frozenset(
            self.attnums
        )


def protection(index: IndexFacts) -> str | None:
    """Why this index must never be proposed for dropping, or None.

    The foreign-key rule (the only index a foreign key can use) depends on the other indexes and
    is applied when the drops are resolved together.
    """
    if index.is_primary:
        return "it backs the primary key"
    if index.constraints:
        return f"it backs constraint {', '.join(index.constraints)}"
    if index.is_exclusion:
        return "it enforces an exclusion constraint"
    if index.is_replica_identity:
        return "it is the table's replica identity"
    if index.is_unique and index.is_valid:
        return "it is unique: it enforces uniqueness"
    if index.is_partition:
        return "it belongs to a partitioned index: review that one, on the partitioned table"
    if index.extension_member:
        return "it belongs to an extension"
    if index.building:
        return "it is being built or rebuilt right now"
    return None


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


def _index(row: Mapping[str, Any], catalog: Catalog) -> IndexFacts | None:
    ref = TableRef(row["schema"], row["table_name"])
    known = {i.oid: i for i in catalog.indexes_of(ref)}.get(row["oid"])
    if known is None:
        return None  # created after the catalog was read: reviewed next time
    return IndexFacts(
        oid=row["oid"],
        table=ref,
        table_oid=row["table_oid"],
        table_kind=row["table_kind"],
        name=row["name"],
        index_kind=row["index_kind"],
        method=row["method"],
        key_count=row["key_count"],
        attnums=tuple(row["attnums"]),
        opclasses=tuple(int(o) for o in row["opclasses"]),
        collations=tuple(int(o) for o in row["collations"]),
        options=tuple(row["options"]),
        column_texts=tuple(row["column_texts"]),
        expressions=split_node_list(row["expressions"]),
        predicate_tree=row["predicate_tree"],
        predicate=row["predicate"],
        definition=row["definition"],
        tablespace=row["tablespace"],
        is_unique=row["is_unique"],
        is_primary=row["is_primary"],
        is_exclusion=row["is_exclusion"],
        is_replica_identity=row["is_replica_identity"],
        is_valid=row["is_valid"],
        is_ready=row["is_ready"],
        constraints=tuple(row["constraints"]),
        is_partition=row["is_partition"],
        extension_member=row["extension_member"],
        building=row["building"],
        size_bytes=known.size_bytes,
        scans=known.scans,
        parent_oid=row["parent_oid"],
        leaf_oids=tuple(int(o) for o in row["leaf_oids"]),
    )


def read_indexes(conn: psycopg.Connection[Any], catalog: Catalog) -> tuple[IndexFacts, ...]:
    """Every index with its structure; definitions qualified for replay in any session."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute(queries.load("review_pin_search_path"))
        rows = cur.execute(queries.load("review_indexes")).fetchall()
    return tuple(f for row in rows if (f := _index(row, catalog)) is not None)


def read_foreign_keys(conn: psycopg.Connection[Any]) -> tuple[ForeignKey, ...]:
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(queries.load("review_foreign_keys")).fetchall()
    return tuple(
        ForeignKey(
            oid=r["oid"],
            name=r["name"],
            table=TableRef(r["schema"], r["table_name"]),
            table_oid=r["table_oid"],
            table_kind=r["table_kind"],
            attnums=tuple(r["attnums"]),
            columns=tuple(r["columns"]),
            referenced=TableRef(r["referenced_schema"], r["referenced_table"]),
        )
        for r in rows
    )


def relation_names(conn: psycopg.Connection[Any], schema: str) -> frozenset[str]:
    """Names already taken in a schema, so a new index name does not collide."""
    rows = conn.execute(queries.load("review_relation_names"), (schema,)).fetchall()
    return frozenset(str(r[0]) for r in rows)
