"""Build a frozen value from a query row by field name: the query's column names are the fields.

A field the row does not carry keeps its default; arrays become tuples, so the values stay
hashable. Readers name their columns after the fields instead of copying them one by one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import psycopg
from psycopg.rows import dict_row

from advisor.db import queries
from advisor.model import TableRef

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


class OnTable(Protocol):
    @property
    def table(self) -> TableRef: ...


Item = TypeVar("Item", bound=OnTable)


def by_table(items: Iterable[Item]) -> dict[TableRef, tuple[Item, ...]]:
    """Items (indexes, policies...) grouped by their table, in their order."""
    grouped: dict[TableRef, list[Item]] = {}
    for item in items:
        grouped.setdefault(item.table, []).append(item)
    return {ref: tuple(group) for ref, group in grouped.items()}


def read(
    conn: psycopg.Connection[Any],
    query: str,
    cls: type[T],
    params: Mapping[str, Any] | None = None,
    **refs: tuple[str, str],
) -> tuple[T, ...]:
    """Every row of ``queries/<query>.sql`` as ``cls``; each of ``refs`` names a ``TableRef``
    field and the (schema, name) columns it is made of (None when the name is null)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(queries.load(query), params).fetchall()
    return tuple(
        build(
            cls,
            r,
            **{
                field: TableRef(r[schema], r[name]) if r[name] is not None else None
                for field, (schema, name) in refs.items()
            },
        )
        for r in rows
    )


def build(cls: type[T], row: Mapping[str, Any], **given: Any) -> T:
    """``cls`` with every field ``row`` has (or ``given`` overrides)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in given:
            values[f.name] = given[f.name]
        elif f.name in row:
            value = row[f.name]
            values[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


Found = TypeVar("Found")


def resolve(
    tables: Mapping[TableRef, Found], search_path: tuple[str, ...], schema: str | None, name: str
) -> Found | None:
    """A table by (optional) schema and name, an unqualified name looked up the search_path."""
    if schema is not None:
        return tables.get(TableRef(schema, name))
    for candidate in search_path:
        found = tables.get(TableRef(candidate, name))
        if found is not None:
            return found
    return None
