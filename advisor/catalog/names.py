"""The naming authority for new indexes: a name free among every relation of its schema.

Tables, indexes, sequences, views and composite types share one namespace per schema, so a new
index name is checked against all of them (read from the catalog once per schema) and against
the names already handed out in this run. Analyze, the review's foreign-key fixes and lint's
fixes all take their names here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import psycopg

from advisor.db import ddl, queries
from advisor.model import IndexSpec


def read_relation_names(
    conn: psycopg.Connection[Any], schema: str | None = None
) -> dict[str, frozenset[str]]:
    """``{schema: relation names}`` for every schema, or for one."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in conn.execute(queries.load("catalog_relation_names"), {"schema": schema}):
        found[str(row[0])].add(str(row[1]))
    return {name: frozenset(names) for name, names in found.items()}


class IndexNames:
    """Hands out index names, unique among every relation of their schema and each other.

    Built on a connection (each schema's names are read when first needed) or on names read
    already (``taken``).
    """

    def __init__(
        self,
        conn: psycopg.Connection[Any] | None = None,
        taken: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.conn = conn
        self.taken: dict[str, set[str]] = {k: set(v) for k, v in (taken or {}).items()}

    def _schema(self, schema: str) -> set[str]:
        if schema not in self.taken:
            read = read_relation_names(self.conn, schema) if self.conn is not None else {}
            self.taken[schema] = set(read.get(schema, frozenset()))
        return self.taken[schema]

    def name(self, spec: IndexSpec) -> str:
        """A fresh name for ``spec``, reserved from now on."""
        taken = self._schema(spec.table.schema)
        name = ddl.index_name(spec, taken)
        taken.add(name)
        return name

    def claim(self, spec: IndexSpec) -> tuple[str, str, str]:
        """A fresh name, and the CREATE / DROP statements that use it."""
        name = self.name(spec)
        create = ddl.create_index(spec, name, concurrently=True, if_not_exists=True)
        drop = ddl.drop_index(spec.table.schema, name, concurrently=True, if_exists=True)
        return name, create.as_string(self.conn), drop.as_string(self.conn)
