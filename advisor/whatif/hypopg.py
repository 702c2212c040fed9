"""Hypothetical indexes through HypoPG's plain SQL functions, on the analysis connection.

HypoPG keeps its indexes in the backend's memory, so everything here must use one connection.
It hands out object ids from a small range (about 2,500 with default settings): we count the
indexes created since the last reset and reset before running out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from advisor.db import ddl, queries
from advisor.model import IndexSpec
from advisor.whatif import lenient

HYPOTHETICAL_METHODS = frozenset({"btree", "brin", "hash"})
RESET_AFTER = 2000


@dataclass(frozen=True)
class HypoIndex:
    oid: int
    name: str
    spec: IndexSpec
    size: int  # HypoPG's estimate, in bytes


@dataclass(frozen=True)
class Created:
    """What ``hypopg_create_index`` made: its object id, its name, its estimated size."""

    oid: int
    name: str
    size: int


class HypoError(Exception):
    """HypoPG or the server refused a hypothetical index (volatile function, bad method...)."""


def version_tuple(version: str | None) -> tuple[int, ...]:
    if not version:
        return ()
    return tuple(int(p) for p in version.split(".") if p.isdigit())


class HypoPG:
    def __init__(self, conn: psycopg.Connection[Any], schema: str, version: str) -> None:
        self.conn = conn
        self.schema = schema
        self.version = version
        self.created_since_reset = 0
        self.total_created = 0
        self._q = {
            name: queries.load(f"hypopg_{name}").format(hypopg=sql.Identifier(schema))
            for name in ("create", "drop", "reset")
        }

    @property
    def can_hide(self) -> bool:
        """``hypopg_hide_index`` arrived in HypoPG 1.4."""
        return version_tuple(self.version) >= (1, 4)

    def supports(self, method: str) -> bool:
        return method in HYPOTHETICAL_METHODS

    @property
    def needs_reset(self) -> bool:
        return self.created_since_reset >= RESET_AFTER

    def create(self, spec: IndexSpec) -> HypoIndex:
        if not self.supports(spec.method):
            raise HypoError(f"HypoPG {self.version} cannot create {spec.method} indexes")
        made = self.create_from_sql(ddl.create_index(spec).as_string(self.conn))
        return HypoIndex(made.oid, made.name, spec, made.size)

    def create_from_sql(self, statement: str) -> Created:
        """The hypothetical index ``statement`` describes.

        ``statement`` must be exactly one ``CREATE INDEX``, checked by the caller with the
        parser: HypoPG makes a hypothetical index of every ``CREATE INDEX`` in the text it gets.
        """
        try:
            with lenient.cursor(self.conn) as cur:  # HypoPG may cut the name mid-character
                row = cur.execute(self._q["create"], (statement,)).fetchone()
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            raise HypoError(str(exc).strip().splitlines()[0]) from None
        if row is None:
            raise HypoError("hypopg_create_index returned nothing")
        self.created_since_reset += 1
        self.total_created += 1
        return Created(int(row[0]), str(row[1]), int(row[2] or 0))

    def drop(self, index: HypoIndex) -> None:
        self.conn.execute(self._q["drop"], (index.oid,))

    def reset(self) -> None:
        self.conn.execute(self._q["reset"])
        self.created_since_reset = 0
