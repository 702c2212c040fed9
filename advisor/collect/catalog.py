"""Tables, columns with their statistics, indexes and partitions, read once per analysis.

Each fact comes from the one catalog layer (``advisor.catalog``); this module composes them into
the ``Catalog`` an analysis (and lint, and apply) works on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import psycopg

from advisor.catalog import indexes as index_reader
from advisor.catalog.facts import read_facts, search_path_of
from advisor.catalog.policies import read_policies
from advisor.catalog.rows import by_table, resolve
from advisor.catalog.tables import read_partitions, read_tables
from advisor.db.partitioned import IndexOnPartition, PartitionNode, tree
from advisor.model import ExistingIndex, Partition, Policy, Table, TableRef


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
        return resolve(self.tables, self.search_path, schema, name)

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
                out.append(
                    IndexOnPartition(
                        index.name, index.parsable_definition, index.is_valid, attached
                    )
                )
            return out

        edges = {k: [(p.table, p.kind) for p in v] for k, v in self.partitions.items()}
        kind = self.tables[ref].kind if ref in self.tables else "p"
        return tree(ref, kind, edges, on)

    @functools.cached_property
    def _parents(self) -> dict[TableRef, TableRef]:
        return {p.table: p.parent for parts in self.partitions.values() for p in parts}


def read_catalog(conn: psycopg.Connection[Any]) -> Catalog:
    tables = read_tables(conn)
    facts = read_facts(conn)
    partitions: dict[TableRef, list[Partition]] = {}
    for partition in read_partitions(conn):
        partitions.setdefault(partition.parent, []).append(partition)
    return Catalog(
        tables=tables,
        indexes=by_table(index_reader.read_indexes(conn)),
        search_path=search_path_of(facts),
        policies=by_table(read_policies(conn)),
        extensions=frozenset(facts["extensions"]),
        available_extensions=frozenset(facts["available_extensions"]),
        partitions={k: tuple(v) for k, v in partitions.items()},
    )
