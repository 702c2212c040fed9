"""B-tree candidates: single keys, and multi-column keys in the order a B-tree can use them.

Equality keys come first, the most selective first (more distinct values, from pg_stats); then one
range key, or the ORDER BY keys so that the index returns rows already sorted (with the ORDER BY's
directions where they are mixed: ``(a DESC, b)``). Join keys are equality for a parameterized
nested loop, so they lead candidates of their own too, alone and with each filter column (either
order: the filter first serves a filtered dimension feeding a hash join, the join key first a
nested loop into a fact table). Keys can be columns or expressions
(``lower(email)``).
"""

from __future__ import annotations

from itertools import islice

from advisor.collect.catalog import Catalog
from advisor.model import ColumnUse, IndexKey, IndexSpec, ParsedStatement, Role, Table, TableRef
from advisor.settings import Settings

_EQ_ROLES = (Role.EQUALITY, Role.IN_LIST, Role.IS_NULL)


def _selectivity_order(table: Table, keys: list[IndexKey], uses: list[ColumnUse]) -> list[IndexKey]:
    """Most selective first: plain equality over IN lists over IS NULL, then distinct values."""
    role_rank = {Role.EQUALITY: 0, Role.JOIN: 0, Role.IN_LIST: 1, Role.IS_NULL: 2}

    def rank(key: IndexKey) -> tuple[int, float]:
        roles = [u.role for u in uses if u.key.column == key.column]
        best = min((role_rank.get(r, 3) for r in roles), default=3)
        distinct = table.distinct_values(key.text) if not key.expression else 1e9
        return best, -distinct

    return sorted(keys, key=rank)


def _unique(keys: list[IndexKey]) -> list[IndexKey]:
    """Each column or expression once, in its first form (a sort order only where it came so)."""
    first: dict[IndexKey, IndexKey] = {}
    for key in keys:
        first.setdefault(key.column, key)
    return list(first.values())


def key_shapes(table: Table, uses: list[ColumnUse], max_keys: int) -> list[tuple[IndexKey, ...]]:
    """Key tuples worth trying on one table, best-ordered first within each family."""
    eq = _unique([u.key for u in uses if u.role in _EQ_ROLES])
    joins = _unique([u.key for u in uses if u.role == Role.JOIN])
    ranges = _unique([u.key for u in uses if u.role == Role.RANGE])
    order = [u.key for u in sorted(uses, key=lambda u: u.position) if u.role == Role.ORDER_BY]
    group = [u.key for u in sorted(uses, key=lambda u: u.position) if u.role == Role.GROUP_BY]
    order, group = _unique(order), _unique(group)
    eq_sorted = _selectivity_order(table, eq, uses)
    plain_eq = [k for k in eq_sorted if any(u.key == k and u.role == Role.EQUALITY for u in uses)]

    shapes: list[tuple[IndexKey, ...]] = []
    shapes += [(k,) for k in eq_sorted + joins + ranges]
    if order:
        shapes.append(tuple(order))
    if group:
        shapes.append(tuple(group))
    prefixes = [tuple(eq_sorted)] if eq_sorted else []
    if plain_eq and len(plain_eq) != len(eq_sorted):
        prefixes.append(tuple(plain_eq))
    for join in joins:
        prefixes.append((join,))
        if eq_sorted:
            prefixes.append((join, *[k for k in eq_sorted if k != join]))
            prefixes.append((*[k for k in eq_sorted if k != join], join))
    for prefix in prefixes:
        shapes.append(prefix)
        shapes += [(*prefix, r) for r in ranges if r not in prefix]
        if order and all(k in plain_eq or k in joins for k in prefix):
            shapes.append((*prefix, *[k for k in order if k not in prefix]))
        if group:
            shapes.append((*prefix, *[k for k in group if k not in prefix]))
    for r in ranges:
        if order and order[0].column == r:
            shapes.append(tuple(order))
        # a filtered dimension feeding a join: the filter finds the rows, the join key is read
        # from the index (and a fact table's range filter narrows its join key the same way)
        shapes += [(r, join) for join in joins if join.column != r.column]
    out: list[tuple[IndexKey, ...]] = []
    for shape in shapes:
        trimmed = tuple(islice(_unique(list(shape)), max_keys))
        if trimmed and trimmed not in out:
            out.append(trimmed)
    return out


def uses_by_table(parsed: ParsedStatement) -> dict[TableRef, list[ColumnUse]]:
    by_table: dict[TableRef, list[ColumnUse]] = {}
    for use in parsed.uses:
        by_table.setdefault(use.table, []).append(use)
    return by_table


def generate(parsed: ParsedStatement, catalog: Catalog, settings: Settings) -> list[IndexSpec]:
    specs = []
    for ref, uses in uses_by_table(parsed).items():
        table = catalog.tables[ref]
        for keys in key_shapes(table, uses, settings.max_key_columns):
            specs.append(IndexSpec(table=ref, keys=keys))
    return specs
