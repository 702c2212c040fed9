"""GIN advice by rule, for operators HypoPG cannot prove.

HypoPG creates B-tree, BRIN and hash hypothetical indexes only; it refuses GIN and GiST. For the
operators only those serve, advice rests on the rule and its evidence, marked unverified:

- ``jsonb @> ...`` (containment): GIN with ``jsonb_path_ops`` (smaller and faster for ``@>``);
  with the key operators ``?``, ``?|``, ``?&``: the default ``jsonb_ops``;
- array ``&&``, ``@>``, ``<@``: GIN on the array;
- ``tsvector @@ tsquery`` (full text): GIN on the tsvector column;
- ``LIKE`` / ``ILIKE`` whose pattern is unknown after normalization or starts with a wildcard:
  GIN with ``gin_trgm_ops`` (the pg_trgm extension).

``--verify-dsn`` builds such an index on a non-production copy and lets the planner judge.

Rule advice earns its place like the rest (``judge``): the table must have ``--min-table-rows``
rows, the sequential scans of the table must be at least ``--min-improvement`` of the statement's
plan cost (no index on that table can save more than its scans cost), and what those scans cost
the workload must exceed the index's upkeep: a GIN index writes an entry per trigram, key or
element of each inserted or updated row. The budgets count it at its estimated size.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from advisor.collect.catalog import Catalog
from advisor.model import ColumnUse, IndexKey, IndexSpec, ParsedStatement, Role, Table
from advisor.settings import Settings

from .btree import uses_by_table

_JSONB_KEY_OPS = {"?", "?|", "?&"}


@dataclass(frozen=True)
class RuleAdvice:
    spec: IndexSpec
    reason: str
    evidence: tuple[str, ...]


def _column_facts(table: Table, key: IndexKey) -> str:
    column = table.column(key.text) if not key.expression else None
    if column is None:
        return f"{key.text}: expression, no statistics"
    distinct = table.distinct_values(key.text)
    null = f", {column.null_frac:.0%} null" if column.null_frac is not None else ""
    return f"{key.text} {column.type}: ~{distinct:.0f} distinct values{null}"


def _advice_for(table: Table, use: ColumnUse, ops: set[str], catalog: Catalog) -> RuleAdvice | None:
    column = table.column(use.key.text) if not use.key.expression else None
    type_name = column.type if column else ""
    facts = _column_facts(table, use.key)
    if use.role is Role.CONTAINMENT and type_name == "jsonb":
        opclass = None if ops & _JSONB_KEY_OPS else "jsonb_path_ops"
        key = IndexKey(use.key.text, use.key.expression, opclass)
        reason = f"jsonb operator {use.operator}: only a GIN index serves it"
        return RuleAdvice(IndexSpec(table.ref, (key,), method="gin"), reason, (facts,))
    if use.role is Role.CONTAINMENT and type_name.endswith("[]"):
        reason = f"array operator {use.operator}: only a GIN index serves it"
        return RuleAdvice(IndexSpec(table.ref, (use.key,), method="gin"), reason, (facts,))
    if use.role is Role.TEXT_SEARCH and (type_name == "tsvector" or use.key.expression):
        reason = "full-text match @@: a GIN index on the tsvector serves it"
        return RuleAdvice(IndexSpec(table.ref, (use.key,), method="gin"), reason, (facts,))
    textual = type_name == "text" or type_name.startswith(("character varying", "character("))
    if use.role is Role.PATTERN and (textual or use.key.expression):
        if use.detail and not use.detail.startswith(("%", "_")) and use.operator == "~~":
            return None  # a left-anchored LIKE: a B-tree (text_pattern_ops) territory
        key = IndexKey(use.key.text, use.key.expression, "gin_trgm_ops")
        verb = "ILIKE" if use.operator == "~~*" else "LIKE"
        reason = f"{verb} with a pattern that may start with a wildcard: a trigram GIN serves it"
        evidence = [facts]
        if "pg_trgm" not in catalog.extensions:
            where = "available" if "pg_trgm" in catalog.available_extensions else "not installed"
            evidence.append(f"needs CREATE EXTENSION pg_trgm; first (pg_trgm is {where})")
        return RuleAdvice(IndexSpec(table.ref, (key,), method="gin"), reason, tuple(evidence))
    return None


def advise(parsed: ParsedStatement, catalog: Catalog, settings: Settings) -> list[RuleAdvice]:
    out = []
    for ref, uses in uses_by_table(parsed).items():
        table = catalog.tables[ref]
        if table.reltuples < settings.min_table_rows:
            continue
        existing = catalog.indexes_of(ref)
        ops = {u.operator for u in uses if u.operator}
        for use in uses:
            if use.role not in (Role.CONTAINMENT, Role.TEXT_SEARCH, Role.PATTERN):
                continue
            advice = _advice_for(table, use, ops, catalog)
            if advice is None:
                continue
            if any(i.method in ("gin", "gist") and i.keys[:1] == (use.key.text,) for i in existing):
                continue
            out.append(advice)
    return out


def entries_per_row(spec: IndexSpec, table: Table) -> float:
    """Index entries a GIN index writes per row: one per trigram of the text (about its length
    plus two), else about one per 16 bytes of the value (keys of a jsonb, array elements)."""
    total = 0.0
    for key in spec.keys:
        column = table.column(key.text) if not key.expression else None
        width = float(column.avg_width) if column is not None and column.avg_width else 16.0
        total += width + 2 if key.opclass == "gin_trgm_ops" else max(1.0, width / 16)
    return max(total, 1.0)


@dataclass(frozen=True)
class Use:
    """A statement that would read the index: its weight (ms over the statistics period) and
    the share of its plan cost spent in sequential scans of the table."""

    weight_ms: float
    scan_share: float


def scan_share(
    seq_scans: Sequence[tuple[str, float]], base_cost: float, names: Collection[str]
) -> float:
    """The share of a statement's plan cost spent scanning the tables ``names`` (a table and,
    when it is partitioned, its partitions) sequentially."""
    if base_cost <= 0:
        return 0.0
    cost = sum(c for name, c in seq_scans if name in names)
    return min(cost / base_cost, 1.0)


def judge(
    spec: IndexSpec, table: Table, uses: Sequence[Use], upkeep_ms: float, settings: Settings
) -> str | None:
    """Why the advice does not earn its place, or None when it does."""
    if table.reltuples < settings.min_table_rows:
        return f"{table.ref} has {table.reltuples:.0f} rows, below --min-table-rows"
    worth = [u for u in uses if u.scan_share >= settings.min_improvement]
    if not worth:
        best = max((u.scan_share for u in uses), default=0.0)
        return (
            f"a sequential scan of {table.ref} is {best:.0%} of the statement's plan cost: "
            f"{spec.method.upper()} on it cannot improve it by {settings.min_improvement:.0%}"
        )
    scans_ms = sum(u.weight_ms * u.scan_share for u in worth)
    if upkeep_ms >= scans_ms:
        return (
            f"the scans of {table.ref} cost the workload {scans_ms:.0f} ms, less than the "
            f"index's upkeep of {upkeep_ms:.0f} ms over the same period"
        )
    return None
