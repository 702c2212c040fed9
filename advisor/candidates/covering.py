"""Covering B-tree candidates: ``INCLUDE`` the few other columns a statement reads from the table.

With every column the statement needs in the index, the planner can use an index-only scan and
skip the heap, as long as the visibility map says the pages are all-visible (``relallvisible``
against ``relpages``; vacuum keeps it so). Only for statements that read a handful of narrow
columns (not ``SELECT *``): the extra width costs size and write time. Both the best plain
shapes and the partial candidates get a covering variant.
"""

from __future__ import annotations

from dataclasses import replace

from advisor.collect.catalog import Catalog
from advisor.model import IndexSpec, ParsedStatement
from advisor.settings import Settings

from . import partial
from .btree import key_shapes, uses_by_table

MAX_INCLUDED = 3
MAX_INCLUDED_WIDTH = 64  # bytes on average, from pg_stats
MAX_SHAPES = 3


def visibility_note(relallvisible: int, relpages: int) -> str:
    share = relallvisible / relpages if relpages else 0.0
    return (
        f"index-only scans skip the heap only for all-visible pages: {share:.0%} of the table's "
        "pages are all-visible now (vacuum raises it)"
    )


def generate(parsed: ParsedStatement, catalog: Catalog, settings: Settings) -> list[IndexSpec]:
    reads = dict(parsed.reads)
    bases = [
        IndexSpec(ref, keys)
        for ref, uses in uses_by_table(parsed).items()
        for keys in key_shapes(catalog.tables[ref], uses, settings.max_key_columns)[:MAX_SHAPES]
    ]
    bases += partial.generate(parsed, catalog, settings)
    specs = []
    for base in bases:
        columns = reads.get(base.table)
        if columns is None:
            continue
        table = catalog.tables[base.table]
        key_names = {k.text for k in base.keys if not k.expression}
        extra = [c for c in columns if c not in key_names]
        if not extra or len(extra) > MAX_INCLUDED:
            continue
        width = sum(
            (col.avg_width or 16) if (col := table.column(c)) is not None else 16 for c in extra
        )
        if width <= MAX_INCLUDED_WIDTH:
            specs.append(replace(base, include=tuple(extra)))
    return specs
