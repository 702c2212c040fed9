"""Partial B-tree candidates: the index holds only the rows a statement's constant predicate keeps.

Normalization replaces constants with parameters, but some predicates survive it: ``IS NULL``,
``IS NOT NULL`` and bare boolean columns (``WHERE NOT archived``). A statement that filters
``deleted_at IS NULL`` on a table where most rows are soft-deleted reads a small part of the table;
``(account_id) WHERE deleted_at IS NULL`` is smaller than the full index and as fast or faster.
The planner decides: both the full and the partial shape are candidates.
"""

from __future__ import annotations

from advisor.collect.catalog import Catalog
from advisor.model import IndexSpec, ParsedStatement, Role
from advisor.settings import Settings

from .btree import key_shapes, uses_by_table

MAX_SHAPES_PER_PREDICATE = 4


def generate(parsed: ParsedStatement, catalog: Catalog, settings: Settings) -> list[IndexSpec]:
    specs = []
    for ref, uses in uses_by_table(parsed).items():
        table = catalog.tables[ref]
        for predicate in [u for u in uses if u.role is Role.PREDICATE]:
            rest = [u for u in uses if u.key.column != predicate.key]
            shapes = key_shapes(table, rest, settings.max_key_columns)
            for keys in shapes[:MAX_SHAPES_PER_PREDICATE]:
                specs.append(IndexSpec(ref, keys, where=predicate.detail))
    return specs
