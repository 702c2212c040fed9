"""Hypothetical indexes through HypoPG's plain SQL functions, on the analysis connection.

HypoPG keeps its indexes in the backend's memory, so everything here must use one connection.
It hands out object ids from a small range (about 2,500 with default settings): we count the
indexes created since the last reset and reset before running out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from advisor.db import ddl, queries
from advisor.db.batch import script
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


def _first_line(exc: psycopg.Error) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


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
        self._schema = sql.Identifier(schema)
        self._q = {
            name: queries.load(f"hypopg_{name}").format(hypopg=self._schema)
            for name in ("list", "reset")
        }
        self._many = {  # lists of values, composed in as literals (``replace``)
            name: queries.load(f"hypopg_{name}") for name in ("create_many", "drop_many")
        }
        self._refused: set[IndexSpec] = set()  # specs HypoPG refused in ``replace``
        self._texts: dict[IndexSpec, str] = {}
        self._oids: set[int] = set()  # the hypothetical indexes made here and not dropped

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
        made = self.create_from_sql(self._text(spec))
        return HypoIndex(made.oid, made.name, spec, made.size)

    def create_from_sql(self, statement: str) -> Created:
        """The hypothetical index ``statement`` describes, made by the set-based statement for
        one (one statement text for all creates).

        ``statement`` must be exactly one ``CREATE INDEX``, checked by the caller with the
        parser: HypoPG makes a hypothetical index of every ``CREATE INDEX`` in the text it gets.
        """
        try:
            with lenient.cursor(self.conn) as cur:  # HypoPG may cut the name mid-character
                rows = script(cur, [self._create_statement([statement])])[-1]
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            raise HypoError(_first_line(exc)) from None
        if not rows:
            raise HypoError("hypopg_create_index returned nothing")
        return self._count(rows[0])

    def replace(
        self, drop: Sequence[HypoIndex], create: Sequence[IndexSpec], *, together: bool = True
    ) -> list[HypoIndex | HypoError]:
        """Drop ``drop``, then create ``create`` in its order: per spec, its hypothetical index or
        why it was refused. The drops and the specs HypoPG ``takes`` go together, in one round
        trip, up to the first one it may not take; the rest (all of it without ``together``)
        one by one, so that a refusal is known for its spec. A script that fails after all is
        put right (``recover``) and done one by one."""
        taken = 0  # a prefix: the order of creation makes the oids
        while together and taken < len(create) and self.takes([create[taken]]):
            taken += 1
        made: list[HypoIndex | HypoError] = []
        statements = self.statements(drop, create[:taken])
        if statements:
            try:
                with lenient.cursor(self.conn) as cur:  # HypoPG may cut a name mid-character
                    results = script(cur, statements)
            except psycopg.OperationalError:
                raise
            except psycopg.Error:  # a refusal after all
                self.recover(drop)
                taken = 0
            else:
                made += self.made(create[:taken], results)
        for spec in create[taken:]:
            try:
                made.append(self.create(spec))
            except HypoError as exc:
                self._refused.add(spec)
                made.append(exc)
        return made

    def takes(self, specs: Iterable[IndexSpec]) -> bool:
        """Whether HypoPG is expected to take each of these specs: a method it supports, and
        not refused before. (It refuses few: volatile expressions, unknown operator classes.)"""
        return all(self.supports(s.method) and s not in self._refused for s in specs)

    def statements(
        self, drop: Sequence[HypoIndex], create: Sequence[IndexSpec]
    ) -> list[sql.Composable]:
        """The statements that drop ``drop`` and then create ``create`` (specs HypoPG ``takes``),
        to be run as one script; ``made`` reads its results, ``recover`` follows its failure."""
        statements: list[sql.Composable] = []
        if drop:
            self._oids -= {index.oid for index in drop}
            statements.append(self._drop_statement([index.oid for index in drop]))
        if create:
            statements.append(self._create_statement([self._text(spec) for spec in create]))
        return statements

    def _create_statement(self, texts: list[str]) -> sql.Composed:
        # one array literal, not ARRAY[...] of literals: pg_stat_statements would keep one
        # entry per length of that list where tracking stays on
        return self._many["create_many"].format(hypopg=self._schema, statements=sql.Literal(texts))

    def made(
        self, create: Sequence[IndexSpec], results: Sequence[Sequence[tuple[Any, ...]]]
    ) -> list[HypoIndex]:
        """The indexes the script of ``statements(..., create)`` made, from its results."""
        if not create:
            return []
        return [self._made(spec, row) for spec, row in zip(create, results[-1], strict=True)]

    def _text(self, spec: IndexSpec) -> str:
        """The spec's CREATE INDEX, composed once (a spec is created again and again)."""
        text = self._texts.get(spec)
        if text is None:
            text = self._texts[spec] = ddl.create_index(spec).as_string(self.conn)
        return text

    def _made(self, spec: IndexSpec, row: tuple[Any, ...]) -> HypoIndex:
        made = self._count(row)
        return HypoIndex(made.oid, made.name, spec, made.size)

    def _count(self, row: tuple[Any, ...]) -> Created:
        """A row of the create statement (oid, name, size), counted as made here."""
        self.created_since_reset += 1
        self.total_created += 1
        self._oids.add(int(row[0]))
        return Created(int(row[0]), str(row[1]), int(row[2] or 0))

    def recover(self, drop: Sequence[HypoIndex]) -> None:
        """After a failed script of ``statements``: drop what it should have dropped, and
        whatever it created (HypoPG's indexes are not undone by the error): every hypothetical
        index of the session that this object did not make (one object per session)."""
        for index in drop:
            self.drop(index)
        listed = self.conn.execute(self._q["list"]).fetchall()
        self._drop_oids([int(oid) for (oid,) in listed if int(oid) not in self._oids])

    def drop(self, index: HypoIndex) -> None:
        self._drop_oids([index.oid])

    def _drop_oids(self, oids: list[int]) -> None:
        if oids:  # the set-based statement for one too: one statement text for all drops
            self._oids.difference_update(oids)
            self.conn.execute(self._drop_statement(oids))

    def _drop_statement(self, oids: list[int]) -> sql.Composed:
        values = sql.Literal([str(oid) for oid in oids])
        return self._many["drop_many"].format(hypopg=self._schema, oids=values)

    def reset(self) -> None:
        self.conn.execute(self._q["reset"])
        self.created_since_reset = 0
        self._oids.clear()
