"""BRIN candidates: a tiny index for range filters on a column the table is physically ordered by.

Append-only timelines (events, logs, ledger entries) store rows in the order of their timestamp;
``pg_stats.correlation`` near +1 or -1 says so. A BRIN index keeps one summary per block range and
is a few hundred times smaller than a B-tree. The planner compares both; when their costs are
close, selection keeps the smaller one.
"""

from __future__ import annotations

from advisor.collect.catalog import Catalog
from advisor.model import IndexSpec, ParsedStatement, Role
from advisor.settings import Settings

from .btree import uses_by_table

MIN_CORRELATION = 0.9
MIN_PAGES = 1000  # 8 MB: below that a sequential scan is cheap anyway


def generate(parsed: ParsedStatement, catalog: Catalog, settings: Settings) -> list[IndexSpec]:
    specs = []
    for ref, uses in uses_by_table(parsed).items():
        table = catalog.tables[ref]
        if table.relpages < MIN_PAGES:
            continue
        for use in uses:
            if use.role is not Role.RANGE or use.key.expression:
                continue
            column = table.column(use.key.text)
            if column and column.correlation and abs(column.correlation) >= MIN_CORRELATION:
                specs.append(IndexSpec(ref, (use.key,), method="brin"))
    return specs
