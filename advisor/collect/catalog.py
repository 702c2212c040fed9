"""Tables, columns with their statistics, indexes and partitions, read once per analysis."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from advisor.db import queries
from advisor.db.partitioned import IndexOnPartition, PartitionNode, tree
from advisor.model import Column, ExistingIndex, Partition, Policy, Table, TableRef


@dataclass(frozen=True)
class Catalog:
    tables: dict[TableRef, Table]
    indexes: dict[TableRef, tuple[ExistingIndex, ...]]
    search_path: tuple[str, ...]
    policies: dict[TableRef, tuple[Policy, ...]] = field(default_factory=dict)
    extensions: frozenset[str] = frozenset()  # created in this database
    available_extensions: frozenset[str] = frozenset()  # could be created
    partitions: dict[TableRef, tuple[Partition, ...]] = field(default_factory=dict)  # by parent

    def resolve(self, schema: str | None, name: str) -> Table | None:
        """A table by (optional) schema and name, looking unqualified names up the search_path."""
        if schema is not None:
            return self.tables.get(TableRef(schema, name))
        for candidate_schema in self.search_path:
            table = self.tables.get(TableRef(candidate_schema, name))
            if table is not None:
                return table
        return None

    def indexes_of(self, ref: TableRef) -> tuple[ExistingIndex, ...]:
        return self.indexes.get(ref, ())

    def is_partitioned(self, ref: TableRef) -> bool:
        table = self.tables.get(ref)
        return table is not None and table.kind == "p"

    def partitions_of(self, ref: TableRef) -> tuple[Partition, ...]:
        """The direct partitions of a partitioned table (none for any other relation)."""
        return self.partitions.get(ref, ())

    def leaves(self, ref: TableRef) -> tuple[Table, ...]:
        """The partitions below ``ref`` that store rows, through every level; ``ref`` itself
        when it is not partitioned. Foreign-table partitions are left out: no index there."""
        if not self.is_partitioned(ref):
            table = self.tables.get(ref)
            return (table,) if table is not None and table.kind != "f" else ()
        return tuple(leaf for p in self.partitions_of(ref) for leaf in self.leaves(p.table))

    def family(self, ref: TableRef) -> tuple[TableRef, ...]:
        """``ref``, the partitioned tables above it and every partition below it: the tables
        whose indexes (real or hypothetical) can serve a scan of ``ref``."""
        return (ref, *self.ancestors(ref), *self._below(ref))

    def _below(self, ref: TableRef) -> tuple[TableRef, ...]:
        return tuple(t for p in self.partitions_of(ref) for t in (p.table, *self._below(p.table)))

    def ancestors(self, ref: TableRef) -> tuple[TableRef, ...]:
        """The partitioned tables above a partition, nearest first."""
        parent = self._parents.get(ref)
        return () if parent is None else (parent, *self.ancestors(parent))

    def partition_tree(self, ref: TableRef) -> PartitionNode:
        """The tables under ``ref`` with the indexes each one holds, for a partitioned build."""
        by_oid = {i.oid: i for indexes in self.indexes.values() for i in indexes}

        def on(table: TableRef) -> list[IndexOnPartition]:
            out = []
            for index in self.indexes_of(table):
                parent = by_oid.get(index.parent_oid) if index.parent_oid is not None else None
                attached = (parent.table.schema, parent.name) if parent is not None else None
                out.append(IndexOnPartition(index.name, index.definition, index.is_valid, attached))
            return out

        edges = {k: [(p.table, p.kind) for p in v] for k, v in self.partitions.items()}
        kind = self.tables[ref].kind if ref in self.tables else "p"
        return tree(ref, kind, edges, on)

    @functools.cached_property
    def _parents(self) -> dict[TableRef, TableRef]:
        return {p.table: p.parent for parts in self.partitions.values() for p in parts}


def read_catalog(conn: psycopg.Connection[Any]) -> Catalog:
    with conn.cursor(row_factory=dict_row) as cur:
        columns: dict[int, list[Column]] = defaultdict(list)
        for r in cur.execute(queries.load("columns")):
            columns[r["table_oid"]].append(
                Column(
                    name=r["name"],
                    attnum=r["attnum"],
                    type=r["type"],
                    not_null=r["not_null"],
                    n_distinct=r["n_distinct"],
                    null_frac=r["null_frac"],
                    correlation=r["correlation"],
                    avg_width=r["avg_width"],
                    type_length=r["type_length"],
                    dedup=r["dedup"],
                )
            )
        tables: dict[TableRef, Table] = {}
        for r in cur.execute(queries.load("tables")):
            ref = TableRef(r["schema"], r["name"])
            tables[ref] = Table(
                oid=r["oid"],
                ref=ref,
                kind=r["kind"],
                persistence=r["persistence"],
                relallvisible=int(r["relallvisible"]),
                row_security=r["row_security"],
                force_row_security=r["force_row_security"],
                reltuples=float(r["reltuples"]),
                relpages=int(r["relpages"]),
                size_bytes=int(r["size_bytes"] or 0),
                columns=tuple(columns.get(r["oid"], ())),
                n_tup_ins=int(r["n_tup_ins"]),
                n_tup_upd=int(r["n_tup_upd"]),
                n_tup_del=int(r["n_tup_del"]),
                n_tup_hot_upd=int(r["n_tup_hot_upd"]),
            )
        indexes: dict[TableRef, list[ExistingIndex]] = defaultdict(list)
        for r in cur.execute(queries.load("indexes")):
            ref = TableRef(r["schema"], r["table_name"])
            indexes[ref].append(
                ExistingIndex(
                    oid=r["oid"],
                    table=ref,
                    name=r["name"],
                    method=r["method"],
                    keys=tuple(r["keys"]),
                    include=tuple(r["include"]),
                    predicate=r["predicate"],
                    definition=r["definition"],
                    is_unique=r["is_unique"],
                    is_primary=r["is_primary"],
                    is_valid=r["is_valid"],
                    size_bytes=int(r["size_bytes"] or 0),
                    scans=int(r["scans"]),
                    kind=r["kind"],
                    parent_oid=r["parent_oid"],
                )
            )
        row = cur.execute(queries.load("search_path")).fetchone()
        search_path = tuple(row["schemas"]) if row else ("public",)
        policies: dict[TableRef, list[Policy]] = defaultdict(list)
        for r in cur.execute(queries.load("policies")):
            ref = TableRef(r["schema"], r["table_name"])
            policies[ref].append(
                Policy(ref, r["name"], r["permissive"], tuple(r["roles"] or ()), r["cmd"],
                       r["qual"], r["with_check"])
            )  # fmt: skip
        partitions: dict[TableRef, list[Partition]] = defaultdict(list)
        for r in cur.execute(queries.load("partitions")):
            parent = TableRef(r["parent_schema"], r["parent_name"])
            partitions[parent].append(
                Partition(TableRef(r["schema"], r["name"]), parent, r["kind"], r["is_default"])
            )
        created: set[str] = set()
        available: set[str] = set()
        for r in cur.execute(queries.load("extensions")):
            (created if r["created"] else available).add(r["name"])
    return Catalog(
        tables=tables,
        indexes={k: tuple(v) for k, v in indexes.items()},
        search_path=search_path,
        policies={k: tuple(v) for k, v in policies.items()},
        extensions=frozenset(created),
        available_extensions=frozenset(available),
        partitions={k: tuple(v) for k, v in partitions.items()},
    )
