"""The naming authority for new indexes: a name free among every relation of its schema.

Tables, indexes, sequences, views and composite types share one namespace per schema, so a new
index name is checked against all of them (read from the catalog once per schema) and against
the names already handed out in this run. Analyze, the review's foreign-key fixes and lint's
fixes all take their names here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg

from advisor.db import ddl, partitioned, queries
from advisor.model import IndexSpec, TableRef

if TYPE_CHECKING:
    from advisor.collect.catalog import Catalog


def read_relation_names(
    conn: psycopg.Connection[Any], schema: str | None = None
) -> dict[str, frozenset[str]]:
    """``{schema: relation names}`` for every schema, or for one."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in conn.execute(queries.load("catalog_relation_names"), {"schema": schema}):
        found[str(row[0])].add(str(row[1]))
    return {name: frozenset(names) for name, names in found.items()}


@dataclass(frozen=True)
class Claimed:
    """A new index's name and DDL (several statements for an index on a partitioned table)."""

    name: str
    create_sql: str
    drop_sql: str
    create_steps: tuple[str, ...] = ()
    drop_steps: tuple[str, ...] = ()
    partitions: tuple[TableRef, ...] = ()
    notes: tuple[str, ...] = ()

    def fields(self) -> dict[str, Any]:
        """The ``Recommendation`` fields these set (``notes`` are added to the others)."""
        return {
            "name": self.name,
            "create_sql": self.create_sql,
            "drop_sql": self.drop_sql,
            "create_steps": self.create_steps,
            "drop_steps": self.drop_steps,
            "partitions": self.partitions,
        }


class IndexNames:
    """Hands out index names, unique among every relation of their schema and each other.

    Built on a connection (each schema's names are read when first needed) or on names read
    already (``taken``). With the ``catalog``, an index on a partitioned table is claimed with
    the steps that build it (``advisor.db.partitioned``), its partitions' indexes named here too.
    """

    def __init__(
        self,
        conn: psycopg.Connection[Any] | None = None,
        taken: Mapping[str, frozenset[str]] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.conn = conn
        self.catalog = catalog
        self.taken: dict[str, set[str]] = {k: set(v) for k, v in (taken or {}).items()}

    def taken_in(self, schema: str) -> set[str]:
        """The names taken in ``schema`` (read once), to which new names are added."""
        if schema not in self.taken:
            read = read_relation_names(self.conn, schema) if self.conn is not None else {}
            self.taken[schema] = set(read.get(schema, frozenset()))
        return self.taken[schema]

    def name(self, spec: IndexSpec) -> str:
        """A fresh name for ``spec``, reserved from now on."""
        taken = self.taken_in(spec.table.schema)
        name = ddl.index_name(spec, taken)
        taken.add(name)
        return name

    def claim(self, spec: IndexSpec) -> Claimed:
        """A fresh name, and the CREATE / DROP statements that use it."""
        name = self.name(spec)
        create = ddl.create_index(spec, name, concurrently=True, if_not_exists=True)
        drop = ddl.drop_index(spec.table.schema, name, concurrently=True, if_exists=True)
        claimed = Claimed(name, create.as_string(self.conn), drop.as_string(self.conn))
        if self.catalog is None or not self.catalog.is_partitioned(spec.table):
            return claimed
        build = partitioned.plan(
            partitioned.Template(claimed.create_sql),
            self.catalog.partition_tree(spec.table),
            name,
            partitioned.name_source(self.taken_in),
        )
        steps = tuple(s.sql for s in build.steps)
        drops = build.drop_statements()
        return Claimed(
            name, ";\n".join(steps), ";\n".join(drops), steps, drops, build.leaves,
            partitioned.notes(build),
        )  # fmt: skip
