"""``distinct_underestimated``: a column's distinct count in pg_stats is below what a unique
index proves.

ANALYZE estimates a column's distinct values from a sample of 30,000 rows (at the default
statistics target), and for a column whose values repeat a few times each it can be far off: on
TPC-H, ``lineitem.l_orderkey`` (1.5 M orders of one to seven lines each) gets 378,384. A unique
index on ``(a, b)`` proves better: its rows (those with no NULL key) are distinct pairs, so
``a`` has at least ``rows / distinct(b)`` values, and ``distinct(b)`` is exact where ANALYZE
saw every value (its most common values cover the rows, as the seven line numbers do). The
planner sizes aggregates and joins on ``a`` from the estimate: with a quarter of the groups it
plans a hash aggregate that fits in ``work_mem`` on paper and spills in every parallel process
in fact (TPC-H Q18: 6.6 s; with the column's ``n_distinct`` set to the bound, 2.5 s through a
sorted aggregate over the primary key, with no new index).

Not an index drop or a missing index, so not one of ``CHECKS``: it reads the catalog's
statistics (the tables the workload reads) and gives the statement that repairs them,
``fix_sql``, and the one that undoes it, ``restore_sql``.
"""

from __future__ import annotations

from collections.abc import Iterator

from advisor.collect.catalog import Catalog
from advisor.db import ddl
from advisor.model import Column, ExistingIndex, Finding, Table

KIND = "distinct_underestimated"
MIN_FACTOR = 1.5  # flag an estimate below two thirds of the proven bound
EXACT_DISTINCT = 1000  # at most this many values (the largest statistics target is 10,000)
COVERED_SLACK = 1e-3  # rounding of the frequencies (float4)


def _estimate(table: Table, column: Column) -> float | None:
    """pg_stats' distinct values of the column, as a count (None without statistics)."""
    if column.n_distinct is None or column.n_distinct == 0:
        return None
    return table.distinct_values(column.name)


def _exact(column: Column) -> bool:
    """Whether ANALYZE counted every value of the column: a fixed count of values (a positive
    ``n_distinct``), every one of them among the most common values (with the NULLs, they
    cover the rows)."""
    if column.n_distinct is None or not 0 < column.n_distinct <= EXACT_DISTINCT:
        return False
    covered = (column.mcv_share or 0.0) + (column.null_frac or 0.0)
    return covered >= 1.0 - COVERED_SLACK


def _bounds(table: Table, index: ExistingIndex) -> Iterator[tuple[Column, float, float]]:
    """(column, its estimate, the bound the unique index proves) for each key column whose
    companions in the key all have an exact distinct count."""
    columns = [table.column(key) for key in index.keys]
    if len(columns) < 2 or any(c is None for c in columns):
        return  # an expression key: no statistics of its own to compare
    keys = [c for c in columns if c is not None]
    with_values = table.reltuples * max(0.0, 1.0 - sum(c.null_frac or 0.0 for c in keys))
    for column in keys:
        others = [c for c in keys if c is not column]
        if not all(_exact(c) for c in others):
            continue
        pairs = 1.0
        for other in others:
            pairs *= float(other.n_distinct or 1.0)
        estimate = _estimate(table, column)
        if estimate is not None:
            yield column, estimate, with_values / pairs


def find(catalog: Catalog, min_table_rows: int) -> tuple[Finding, ...]:
    """The columns of the catalog's tables (of at least ``min_table_rows``) whose distinct
    estimate is below two thirds of what one of their unique indexes proves."""
    found: dict[tuple[str, str, str], Finding] = {}
    for ref, table in sorted(catalog.tables.items()):
        if table.reltuples < max(min_table_rows, 1):
            continue
        for index in catalog.indexes_of(ref):
            if not (index.is_unique and index.is_valid) or index.predicate is not None:
                continue
            for column, estimate, bound in _bounds(table, index):
                key = target = (ref.schema, ref.name, column.name)
                if bound < MIN_FACTOR * estimate or key in found:
                    continue
                others = " x ".join(
                    f"{c.n_distinct:,.0f} values of {c.name}"
                    for name in index.keys
                    if name != column.name and (c := table.column(name)) is not None
                )
                rows = f"{table.reltuples:,.0f}"
                detail = (
                    f"pg_stats estimates {estimate:,.0f} distinct values of {column.name}; the "
                    f"unique index {index.name} proves at least {bound:,.0f} ({rows} rows / "
                    f"{others}): plans that group or join on "
                    f"{column.name} expect at least {bound / estimate:.1f}x too few groups (a hash "
                    "aggregate that spills, a join sized too small). fix_sql sets the column's "
                    "n_distinct to the bound, as a share of the rows"
                )
                found[key] = Finding(
                    KIND,
                    ref,
                    index.name,
                    0,
                    detail,
                    restore_sql=ddl.reset_n_distinct(*target).as_string(None),
                    fix_sql=ddl.set_n_distinct(*target, bound / table.reltuples).as_string(None),
                )
    return tuple(found.values())
