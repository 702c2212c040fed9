"""Candidate indexes for a statement: a tuple of generators, each one kind of index.

A generator takes the parsed statement, the catalog and the settings and returns the index specs
it proposes. Filtering (tables too small, shapes an existing index already serves) happens here,
once, for every kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from advisor.collect.catalog import Catalog
from advisor.model import ExistingIndex, IndexSpec, ParsedStatement, TableRef
from advisor.settings import Settings

from . import btree

Generator = Callable[[ParsedStatement, Catalog, Settings], list[IndexSpec]]

GENERATORS: tuple[Generator, ...] = (btree.generate,)


@dataclass(frozen=True)
class Candidates:
    specs: tuple[IndexSpec, ...]
    small_tables: tuple[TableRef, ...] = ()
    served_by: tuple[str, ...] = ()  # existing indexes that already serve a proposed shape
    notes: tuple[str, ...] = field(default=())


def served_by(spec: IndexSpec, indexes: tuple[ExistingIndex, ...]) -> ExistingIndex | None:
    """An existing valid index that already does what the spec would.

    Either its leading keys are the spec's keys (same method, same predicate), or it is a unique
    B-tree whose keys lead the spec: equality on them finds one row, more keys cannot narrow it.
    """
    for index in indexes:
        if not index.is_valid or index.method != spec.method or index.predicate != spec.where:
            continue
        if index.keys[: len(spec.keys)] == spec.key_texts:
            return index
        if index.is_unique and spec.key_texts[: len(index.keys)] == index.keys:
            return index
    return None


def generate(parsed: ParsedStatement, catalog: Catalog, settings: Settings) -> Candidates:
    small = tuple(
        ref for ref in parsed.tables if catalog.tables[ref].reltuples < settings.min_table_rows
    )
    specs: dict[IndexSpec, None] = {}
    served: dict[str, None] = {}
    for generator in GENERATORS:
        for spec in generator(parsed, catalog, settings):
            if spec.table in small:
                continue
            existing = served_by(spec, catalog.indexes_of(spec.table))
            if existing is not None:
                served[existing.name] = None
                continue
            specs[spec] = None
    return Candidates(tuple(specs), small, tuple(served))
