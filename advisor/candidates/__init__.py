"""Candidate indexes for a statement: a tuple of generators, each one kind of index.

A generator takes the parsed statement, the catalog and the settings and returns the index specs
it proposes. Filtering (tables too small, shapes an existing index already serves) happens here,
once, for every kind.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from advisor.collect.catalog import Catalog
from advisor.model import ExistingIndex, IndexSpec, ParsedStatement, TableRef
from advisor.parse import syntax
from advisor.parse.syntax import Unparsable
from advisor.settings import Settings

from . import brin, btree, covering, partial, rls

Generator = Callable[[ParsedStatement, Catalog, Settings], list[IndexSpec]]

GENERATORS: tuple[Generator, ...] = (
    btree.generate,
    partial.generate,
    covering.generate,
    brin.generate,
    rls.generate,
)


@dataclass(frozen=True)
class Candidates:
    specs: tuple[IndexSpec, ...]
    small_tables: tuple[TableRef, ...] = ()
    served_by: tuple[str, ...] = ()  # existing indexes that already serve a proposed shape
    notes: tuple[str, ...] = field(default=())


def served_by(spec: IndexSpec, indexes: tuple[ExistingIndex, ...]) -> ExistingIndex | None:
    """An existing valid index that already does what the spec would.

    Either its leading keys are the spec's keys in the same sort order or the fully reversed one
    (same method, same predicate), or it is a unique B-tree whose keys lead the spec: equality
    on them finds one row, more keys cannot narrow it.
    """
    for index in indexes:
        if not index.is_valid or index.method != spec.method:
            continue
        if normalize_predicate(index.predicate) != normalize_predicate(spec.where):
            continue
        if (
            index.keys[: len(spec.keys)] == spec.key_texts
            and _same_order(index, spec)
            and set(spec.include) <= set(index.keys + index.include)
        ):
            return index
        if index.is_unique and spec.key_texts[: len(index.keys)] == index.keys:
            return index
    return None


def _same_order(index: ExistingIndex, spec: IndexSpec) -> bool:
    """The index returns the spec's keys in the spec's order, read forwards or backwards."""
    pairs = [(key.order, index.key_order(i)) for i, key in enumerate(spec.keys)]
    return all(want == have for want, have in pairs) or all(
        want == (not have[0], not have[1]) for want, have in pairs
    )


@functools.lru_cache(maxsize=1024)
def normalize_predicate(text: str | None) -> str | None:
    """A predicate as the parser re-prints it, so that catalog and candidate texts compare."""
    if text is None:
        return None
    try:
        node = syntax.parse(f"SELECT 1 WHERE {text}")[0].stmt
        return syntax.deparse(node) if node is not None else text
    except Unparsable:
        return text


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
