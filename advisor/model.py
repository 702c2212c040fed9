"""Frozen value objects passed between the stages of an analysis.

Stages never write onto these: a result is a new object. Tuples rather than lists, so that a
set of indexes can be a dictionary key.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class TableRef:
    """A table by its raw (unquoted) schema and name."""

    schema: str
    name: str

    def __str__(self) -> str:
        from advisor.db.ddl import display  # local: ddl imports this module

        return display(self.schema, self.name)


@dataclass(frozen=True)
class Column:
    name: str
    attnum: int
    type: str
    not_null: bool
    n_distinct: float | None = None  # pg_stats: >0 distinct values, <0 fraction of rows
    null_frac: float | None = None
    correlation: float | None = None
    avg_width: int | None = None  # pg_stats: average stored width in bytes
    type_length: int = -1  # pg_attribute.attlen: fixed width, or -1 for varlena
    dedup: bool = True  # B-tree deduplication possible for the type's default operator class


@dataclass(frozen=True)
class Table:
    oid: int
    ref: TableRef
    kind: str  # pg_class.relkind
    reltuples: float
    relpages: int
    size_bytes: int
    columns: tuple[Column, ...]
    persistence: str = "p"
    relallvisible: int = 0
    row_security: bool = False
    force_row_security: bool = False
    n_tup_ins: int = 0
    n_tup_upd: int = 0
    n_tup_del: int = 0
    n_tup_hot_upd: int = 0

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def distinct_values(self, name: str) -> float:
        """Estimated number of distinct values of a column, from pg_stats (1 when unknown)."""
        col = self.column(name)
        if col is None or col.n_distinct is None:
            return 1.0
        if col.n_distinct < 0:
            return max(1.0, -col.n_distinct * max(self.reltuples, 1.0))
        return max(1.0, col.n_distinct)


@dataclass(frozen=True)
class Partition:
    """One partition of a partitioned table (``pg_inherits``).

    ``kind`` is its ``pg_class.relkind``: ``r`` a leaf that stores rows, ``p`` a partitioned
    table itself (sub-partitioned), ``f`` a foreign table (it cannot hold an index).
    """

    table: TableRef
    parent: TableRef
    kind: str
    is_default: bool = False


@dataclass(frozen=True)
class Policy:
    """A row-level security policy; ``qual`` and ``with_check`` are SQL text."""

    table: TableRef
    name: str
    permissive: str
    roles: tuple[str, ...]
    command: str
    qual: str | None
    with_check: str | None


@dataclass(frozen=True)
class ExistingIndex:
    oid: int
    table: TableRef
    name: str
    method: str
    keys: tuple[str, ...]  # key columns or expression texts, in order
    include: tuple[str, ...]
    predicate: str | None
    definition: str
    is_unique: bool
    is_primary: bool
    is_valid: bool
    size_bytes: int  # an index on a partitioned table: the sum over its leaf indexes
    scans: int  # likewise
    kind: str = "i"  # pg_class.relkind: "I" for an index on a partitioned table
    parent_oid: int | None = None  # the partitioned index this one is attached to


@dataclass(frozen=True)
class IndexKey:
    """One key of an index: a column name, or an expression's SQL text (deparsed by pglast)."""

    text: str
    expression: bool = False
    opclass: str | None = None  # e.g. gin_trgm_ops, jsonb_path_ops; None: the default


@dataclass(frozen=True)
class IndexSpec:
    """A (hypothetical or real) index definition, identity by content."""

    table: TableRef
    keys: tuple[IndexKey, ...]
    method: str = "btree"
    include: tuple[str, ...] = ()
    where: str | None = None

    def __hash__(self) -> int:  # specs are set members and dict keys in every selection round
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        return hash((self.table, self.keys, self.method, self.include, self.where))

    @property
    def key_texts(self) -> tuple[str, ...]:
        return tuple(k.text for k in self.keys)

    def describe(self) -> str:
        """Human-readable and unique per spec: ``public.t USING btree (a, (lower(b)))``."""
        from advisor.db.ddl import display

        keys = ", ".join(
            (f"({k.text})" if k.expression else display(k.text))
            + (f" {k.opclass}" if k.opclass else "")
            for k in self.keys
        )
        text = f"{self.table} USING {self.method} ({keys})"
        if self.include:
            text += f" INCLUDE ({', '.join(display(c) for c in self.include)})"
        if self.where:
            text += f" WHERE {self.where}"
        return text


class Role(enum.StrEnum):
    """How a statement uses a column; the order is the order keys go into an index."""

    EQUALITY = "equality"
    IN_LIST = "in"
    IS_NULL = "is_null"
    JOIN = "join"
    RANGE = "range"
    ORDER_BY = "order_by"
    GROUP_BY = "group_by"
    # not B-tree keys: a predicate that survives normalization (partial indexes) and operators
    # only GIN/GiST serve
    PREDICATE = "predicate"
    CONTAINMENT = "containment"
    TEXT_SEARCH = "text_search"
    PATTERN = "pattern"


@dataclass(frozen=True)
class ColumnUse:
    table: TableRef
    key: IndexKey
    role: Role
    position: int = 0  # position within ORDER BY / GROUP BY
    operator: str = ""  # the operator for CONTAINMENT / TEXT_SEARCH / PATTERN uses
    detail: str = ""  # PREDICATE: its SQL text; PATTERN: the pattern when it is a constant


@dataclass(frozen=True)
class Statement:
    """One workload statement: pg_stat_statements rows merged by fingerprint, or a given query."""

    queryid: int | None
    queryids: tuple[int, ...]
    query: str
    calls: int
    total_exec_ms: float
    mean_exec_ms: float
    source: str = "pg_stat_statements"  # sources joined by "+" when several saw it
    timeouts: int = 0  # calls cancelled by a timeout (seen in logs): each took at least that
    samples: tuple[str, ...] = ()  # texts with real constants, from logs and live sessions

    @property
    def key(self) -> str:
        return str(self.queryid) if self.queryid is not None else self.query


@dataclass(frozen=True)
class ParsedStatement:
    """A statement the parser understood, with the SQL we will actually plan."""

    statement: Statement
    plan_sql: str
    param_count: int
    tables: tuple[TableRef, ...]
    uses: tuple[ColumnUse, ...]
    repairs: tuple[str, ...] = ()
    has_limit: bool = False
    views: tuple[str, ...] = ()  # views and foreign tables read; their columns are not traced
    updated: tuple[tuple[TableRef, str], ...] = ()  # columns an UPDATE sets
    # columns each table is read for (None: all of them, e.g. SELECT *); for covering indexes
    reads: tuple[tuple[TableRef, tuple[str, ...] | None], ...] = ()


@dataclass(frozen=True)
class Skipped:
    statement: Statement
    reason: str


@dataclass(frozen=True)
class PlanCost:
    total_cost: float
    used_indexes: frozenset[str] = frozenset()  # hypothetical or real index names in the plan
    # per table name: the summed cost of the plan's sequential scans of it
    seq_scans: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class StatementEffect:
    statement: Statement
    cost_before: float
    cost_after: float | None  # None: not proven by the planner (rule-based advice)


@dataclass(frozen=True)
class Recommendation:
    spec: IndexSpec
    name: str
    create_sql: str
    drop_sql: str
    estimated_size_bytes: int
    effects: tuple[StatementEffect, ...]
    time_saved_ms_per_week: float
    write_overhead: float = 0.0  # ms per week of index maintenance at the observed write rate
    verified: bool = True
    hypopg_size_bytes: int | None = None
    notes: tuple[str, ...] = ()
    # An index on a partitioned table is built in steps, one statement each, run one at a time:
    # ``create_sql`` / ``drop_sql`` then hold all of them, joined by ";\n".
    create_steps: tuple[str, ...] = ()
    drop_steps: tuple[str, ...] = ()
    partitions: tuple[TableRef, ...] = ()  # the leaf partitions it covers, as the catalog had them

    @property
    def create_statements(self) -> tuple[str, ...]:
        """The statements that build the index, in order (one unless the table is partitioned)."""
        return self.create_steps or (self.create_sql,)

    @property
    def drop_statements(self) -> tuple[str, ...]:
        return self.drop_steps or (self.drop_sql,)


@dataclass(frozen=True)
class StatementResult:
    statement: Statement
    cost_before: float | None
    cost_after: float | None
    reason: str | None
    repairs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    kind: str
    table: TableRef
    index: str | None
    size_bytes: int
    detail: str
    drop_sql: str | None = None
    restore_sql: str | None = None
    create_sql: str | None = None
    safe: bool | None = None
    statements: tuple[str, ...] = ()
    partitioned: bool = False  # an index on a partitioned table: dropped and restored in steps


@dataclass(frozen=True)
class ServerInfo:
    version_num: int
    version: str
    database: str
    hypopg_version: str | None
    stats_since: str | None
    stats_age_seconds: float | None
    table_stats_age_seconds: float | None = None


@dataclass(frozen=True)
class Report:
    server: ServerInfo
    recommendations: tuple[Recommendation, ...]
    statements: tuple[StatementResult, ...]
    skipped: tuple[Skipped, ...]
    findings: tuple[Finding, ...]
    explain_calls: int
    elapsed_seconds: float
    workload_cost_before: float
    workload_cost_after: float
    settings: dict[str, object] = field(default_factory=dict)
