"""Frozen value objects passed between the stages of an analysis.

Stages never write onto these: a result is a new object. Tuples rather than lists, so that a
set of indexes can be a dictionary key.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field

from advisor.window import Window


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
    mcv_share: float | None = None  # pg_stats: the rows its most common values cover
    type_length: int = -1  # pg_attribute.attlen: fixed width, or -1 for varlena
    dedup: bool = True  # B-tree deduplication possible for the type's default operator class
    type_name: str = ""  # pg_type.typname: varchar, numeric, int4, an enum's name ...
    type_schema: str = "pg_catalog"
    type_kind: str = "b"  # pg_type.typtype: b base, e enum, d domain, c composite ...
    typmod: int = -1
    default_sql: str | None = None
    identity: str = ""  # "a" always, "d" by default
    generated: str = ""  # "s" stored
    comment: str | None = None

    @property
    def char_length(self) -> int | None:
        """n of varchar(n) / char(n); None when unbounded."""
        if self.type_name in ("varchar", "bpchar") and self.typmod >= 4:
            return self.typmod - 4
        return None

    @property
    def numeric_precision(self) -> tuple[int, int] | None:
        """(precision, scale) of numeric(p,s); None for unconstrained numeric."""
        if self.type_name != "numeric" or self.typmod < 4:
            return None
        mod = self.typmod - 4
        return (mod >> 16) & 0xFFFF, mod & 0xFFFF

    @property
    def has_default(self) -> bool:
        return self.default_sql is not None or bool(self.identity) or bool(self.generated)

    index_type: str | None = None  # the type its default B-tree opclass takes (varchar: text)


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
    n_ins_since_vacuum: int = 0
    n_mod_since_analyze: int = 0
    vacuum_age_s: float | None = None  # seconds since the last (auto)vacuum, None: none known
    analyze_age_s: float | None = None  # seconds since the last (auto)analyze
    rows: float = 0.0  # the planner's estimate, or the live rows when never analysed
    comment: str | None = None
    is_partition: bool = False
    extension_member: bool = False
    before_insert_row_trigger: bool = False
    has_default_partition: bool = False

    @property
    def rls_enabled(self) -> bool:
        return self.row_security

    @property
    def rls_forced(self) -> bool:
        return self.force_row_security

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
    """A row-level security policy; ``using_sql`` and ``check_sql`` are SQL text."""

    name: str
    table: TableRef
    command: str  # r select, a insert, w update, d delete, * all
    permissive: bool
    roles: tuple[str, ...]  # "public" for everyone
    using_sql: str | None
    check_sql: str | None
    comment: str | None = None

    @property
    def applies_to_select(self) -> bool:
        return self.command in ("r", "*")


KeyShape = tuple[int, str, int, int, int]  # attnum, expression tree, opclass, collation, option


@dataclass(frozen=True)
class ExistingIndex:
    """An index of the database, as ``advisor.catalog.indexes`` reads it (one query for all).

    ``keys`` and ``include`` are names (an expression key: its text) for matching with advice;
    the structural fields are what PostgreSQL compares indexes by, for the review. An index on a
    partitioned table (``kind`` "I") has no storage of its own: ``size_bytes`` and the counters
    are the sums over the leaf indexes attached below it (``leaf_oids``).
    """

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
    size_bytes: int
    scans: int
    table_oid: int = 0
    table_kind: str = "r"  # pg_class.relkind of the table
    kind: str = "i"  # pg_class.relkind: "I" for an index on a partitioned table
    key_count: int = -1  # indnkeyatts; -1: len(keys)
    attnums: tuple[int, ...] = ()  # keys then INCLUDE columns; 0 marks an expression key
    opclasses: tuple[int, ...] = ()
    collations: tuple[int, ...] = ()
    options: tuple[int, ...] = ()  # per key: bit 1 DESC, bit 2 NULLS FIRST
    expressions: tuple[str, ...] = ()  # node trees of the expression keys, no locations
    predicate_tree: str | None = None
    tablespace: str | None = None
    is_exclusion: bool = False
    is_replica_identity: bool = False
    is_ready: bool = True
    constraints: tuple[str, ...] = ()  # the constraints it backs
    parent_oid: int | None = None  # the partitioned index this one is attached to
    leaf_oids: tuple[int, ...] = ()  # on a partitioned table: the leaf indexes below it
    extension_member: bool = False
    building: bool = False  # a CREATE INDEX / REINDEX is running on it right now
    # pg_get_indexdef with quote_all_identifiers: what a parser newer than the server reads
    # right (``parsable_definition``); empty where it was not read
    quoted_definition: str = ""
    tup_read: int = 0
    tup_fetch: int = 0
    size_exact: bool = True  # False: from relpages, because the table was locked

    @property
    def parsable_definition(self) -> str:
        """The definition to parse (pglast): every name quoted where that was read."""
        return self.quoted_definition or self.definition

    @property
    def column_texts(self) -> tuple[str, ...]:
        return (*self.keys, *self.include)

    @property
    def n_keys(self) -> int:
        return self.key_count if self.key_count >= 0 else len(self.keys)

    @property
    def is_partition(self) -> bool:
        """Attached to an index of a partitioned table: reviewed as part of that one."""
        return self.parent_oid is not None

    @property
    def key_shapes(self) -> tuple[KeyShape, ...]:
        """Each key as PostgreSQL compares it: column or expression, opclass, collation, order."""
        if not self.attnums:  # built without the catalog's structure: compare by text
            return tuple((0, key, 0, 0, 0) for key in self.keys)
        shapes: list[KeyShape] = []
        exprs = iter(self.expressions)
        for pos in range(self.n_keys):
            attnum = self.attnums[pos]
            expr = next(exprs, "?") if attnum == 0 else ""
            shapes.append((attnum, expr, _at(self.opclasses, pos), _at(self.collations, pos),
                           _at(self.options, pos)))  # fmt: skip
        return tuple(shapes)

    @property
    def include_attnums(self) -> frozenset[int]:
        return frozenset(self.attnums[self.n_keys :])

    @property
    def identity(self) -> tuple[object, ...]:
        """Equal for two indexes that store the same thing in the same order."""
        include = self.include_attnums if self.attnums else frozenset(self.include)
        tree = self.predicate_tree if self.attnums else self.predicate
        return (self.table_oid, self.table, self.method, self.key_shapes, include, tree)

    @property
    def backs_constraint(self) -> bool:
        return bool(self.constraints)

    @property
    def key_text(self) -> str:
        return ", ".join(self.keys)

    @property
    def shape(self) -> str:
        """``USING btree (a, lower(b)) WHERE ...`` for the report."""
        return using_text(self.method, self.key_text, self.include, self.predicate)

    def leading_columns(self, count: int) -> frozenset[str] | None:
        """The first ``count`` key columns as a set, or None when an expression is among them."""
        if count > self.n_keys:
            return None
        if self.attnums and 0 in self.attnums[:count]:
            return None
        return frozenset(self.keys[:count])

    def key_order(self, position: int) -> tuple[bool, bool]:
        """(descending, nulls first) of the key at ``position``."""
        option = _at(self.options, position)
        return bool(option & 1), bool(option & 2)


def using_text(method: str, keys: str, include: tuple[str, ...], where: str | None) -> str:
    """``USING btree (a, b) INCLUDE (c) WHERE ...``."""
    text = f"USING {method} ({keys})"
    if include:
        text += f" INCLUDE ({', '.join(include)})"
    if where:
        text += f" WHERE {where}"
    return text


def _at(values: tuple[int, ...], pos: int) -> int:
    return values[pos] if pos < len(values) else 0


@dataclass(frozen=True)
class IndexKey:
    """One key of an index: a column name, or an expression's SQL text (deparsed by pglast).

    ``descending`` and ``nulls_first`` are the key's sort order; ``nulls_first`` is None when it is
    the default of the direction (NULLS LAST for ASC, NULLS FIRST for DESC), so that two keys of
    the same order compare equal however they were written.
    """

    text: str
    expression: bool = False
    opclass: str | None = None  # e.g. gin_trgm_ops, jsonb_path_ops; None: the default
    descending: bool = False
    nulls_first: bool | None = None

    def __post_init__(self) -> None:
        if self.nulls_first is not None and self.nulls_first == self.descending:
            object.__setattr__(self, "nulls_first", None)

    @property
    def column(self) -> IndexKey:
        """The column or expression alone: no operator class, no sort order."""
        if self.opclass is None and not self.descending and self.nulls_first is None:
            return self
        return IndexKey(self.text, self.expression)

    @property
    def order(self) -> tuple[bool, bool]:
        """(descending, nulls first), the defaults resolved."""
        nulls_first = self.descending if self.nulls_first is None else self.nulls_first
        return self.descending, nulls_first

    @property
    def order_sql(self) -> str:
        """``DESC``, ``NULLS FIRST``, ...: only what differs from the default; "" for none."""
        words = ["DESC"] if self.descending else []
        if self.nulls_first is not None:
            words.append("NULLS FIRST" if self.nulls_first else "NULLS LAST")
        return " ".join(words)


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

    def __eq__(self, other: object) -> bool:
        """By content, as the generated one, but different hashes answer without comparing
        fields (equal specs are often distinct objects: the selection compares thousands)."""
        if self is other:
            return True
        if not isinstance(other, IndexSpec) or self._hash != other._hash:
            return False
        return (self.table, self.keys, self.method, self.include, self.where) == (
            other.table,
            other.keys,
            other.method,
            other.include,
            other.where,
        )

    @functools.cached_property
    def _hash(self) -> int:
        return hash((self.table, self.keys, self.method, self.include, self.where))

    @property
    def key_texts(self) -> tuple[str, ...]:
        return tuple(k.text for k in self.keys)

    def describe(self) -> str:
        """Human-readable and unique per spec: ``public.t USING btree (a, (lower(b)))``."""
        return self._described

    @functools.cached_property
    def _described(self) -> str:  # the sort key of every set of specs: composed once
        from advisor.db.ddl import display

        keys = ", ".join(
            (f"({k.text})" if k.expression else display(k.text))
            + (f" {k.opclass}" if k.opclass else "")
            + (f" {k.order_sql}" if k.order_sql else "")
            for k in self.keys
        )
        include = tuple(display(c) for c in self.include)
        return f"{self.table} {using_text(self.method, keys, include, self.where)}"


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
    views: tuple[str, ...] = ()  # views and foreign tables named (the plan traces views' columns)
    updated: tuple[tuple[TableRef, str], ...] = ()  # columns an UPDATE sets
    # columns each table is read for (None: all of them, e.g. SELECT *); for covering indexes
    reads: tuple[tuple[TableRef, tuple[str, ...] | None], ...] = ()
    # writes or locks rows (INSERT/UPDATE/DELETE/MERGE, a data-modifying CTE, FOR UPDATE): its
    # time holds work its plan cost does not count (triggers, foreign-key checks, lock waits)
    writes: bool = False
    has_cte: bool = False  # has a WITH clause
    # plan_sql with its ranges between parameters read one-sided (``parse.ranges``): priced
    # beside plan_sql, since a generic plan cannot tell how far such a range reaches
    wide_sql: str | None = None


@dataclass(frozen=True)
class Skipped:
    statement: Statement
    reason: str
    planned_query: str | None = None  # the text planned, when planning it failed


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
    time_saved_ms: float | None = None  # this index's part of the statement's saving


@dataclass(frozen=True)
class Recommendation:
    spec: IndexSpec
    name: str
    create_sql: str
    drop_sql: str
    estimated_size_bytes: int
    effects: tuple[StatementEffect, ...]
    time_saved_ms_per_week: float | None  # only when the window covers at least a day
    # ms of index maintenance over the statistics window at its write rates (x --write-weight):
    # what the selection weighed against time_saved_ms
    write_overhead: float = 0.0
    write_overhead_ms_per_week: float | None = None  # only when the window covers at least a day
    verified: bool = True
    # its part of its statements' measured time over the statistics window (split among the
    # indexes serving a statement); None: no statement it serves has a measured time
    time_saved_ms: float | None = None
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
class Calibration:
    """How many milliseconds one unit of planner cost takes in this workload, and from what."""

    ms_per_cost: float
    statements: int  # how many statements it is the median of


@dataclass(frozen=True)
class TimeVsCost:
    """A statement whose measured time is far above what its plan cost predicts
    (``advisor.time_vs_cost`` decides)."""

    predicted_ms: float  # plan cost x the workload's ms per cost unit
    measured_ms: float  # mean per call; a lower bound when calls timed out
    timed_out: bool
    calibration: Calibration
    note: str  # what it means and what would help, as every output says it
    advice_gain: float | None = None  # the advice's cut of its plan cost, when it has advice

    @property
    def factor(self) -> float:
        return self.measured_ms / self.predicted_ms if self.predicted_ms > 0 else float("inf")


@dataclass(frozen=True)
class PlanRisk:
    """A nested loop that reads its inner side in full once per outer row, where the outer row
    count is a guess over a CTE's output, which has no statistics (``advisor.plan_risk``
    decides)."""

    inner: str  # what each loop reads in full ("CTE year_total", "table public.t")
    ctes: tuple[str, ...]  # the CTEs whose output the outer estimate is made over
    outer_rows: float  # the planner's estimate of the outer side's rows
    loop_cost: float  # planner cost of one more pass over the inner side
    plan_cost: float  # the statement's plan cost
    cost_factor: float  # its plan cost, times, were the outer estimate 100x too low (at least)
    hedged_cost: float | None = None  # its plan cost with enable_nestloop off, when it has one
    note: str = ""  # what it means and what would help, as every output says it
    advice_gain: float | None = None  # the advice's cut of its plan cost, when it has advice

    @property
    def outer_source(self) -> str:
        """The CTEs as a note names them: "CTE a", "CTEs a, b"."""
        return f"CTE {self.ctes[0]}" if len(self.ctes) == 1 else f"CTEs {', '.join(self.ctes)}"


@dataclass(frozen=True)
class StatementResult:
    statement: Statement
    cost_before: float | None
    cost_after: float | None
    reason: str | None
    repairs: tuple[str, ...] = ()
    planned_query: str | None = None  # the exact text planned, after repairs
    time_vs_cost: TimeVsCost | None = None  # measured far above what its plan cost predicts
    # what the selection weighed it by, in ms over the window: its measured time, else calls x
    # plan cost x the calibration's ms per cost unit (a misjudged one: at most its predicted time)
    weight_ms: float | None = None
    # planned_query with its ranges between parameters read one-sided: the costs are the mean of
    # the two texts' plans (``whatif.readings``)
    planned_query_wide: str | None = None
    plan_risk: PlanRisk | None = None  # a nested loop whose cost rests on a guessed row count


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
    fix_sql: str | None = None  # a repair that is not an index (statistics: ``review.distinct``)


@dataclass(frozen=True)
class ServerInfo:
    version_num: int
    version: str
    database: str
    hypopg_version: str | None
    stats_since: str | None
    stats_age_seconds: float | None
    table_stats_age_seconds: float | None = None
    system_identifier: str | None = None  # pg_control_system(): which cluster this is
    stats_basis: str | None = None  # how stats_since was found: the pgss reset, the server start


SNAPSHOTS = "snapshots"
COUNTERS = "table counters"


@dataclass(frozen=True)
class TableWrites:
    """Rows written into one table over ``seconds``; what the upkeep of an index is priced on."""

    seconds: float  # the span the counts cover (0: nothing known)
    inserted: float  # steady inserts (a bulk load's rows only with --count-bulk-writes)
    non_hot_updated: float
    hot_updated: float
    deleted: float
    bulk_inserted: float = 0.0  # rows of a one-off bulk load
    bulk_ago_seconds: float | None = None  # how long ago the bulk load's period ended
    bulk_counted: bool = False
    source: str = COUNTERS

    @property
    def any(self) -> bool:
        return bool(self.inserted or self.non_hot_updated or self.hot_updated or self.deleted)


MAX_EXPLAINS = "max_explains"
TIME_LIMIT = "time_limit"


@dataclass(frozen=True)
class Unevaluated:
    """What a search stopped by a limit left out (all zero when no limit was reached)."""

    limit: str | None = None  # MAX_EXPLAINS or TIME_LIMIT: the one that was reached
    not_planned: int = 0  # statements never planned (skipped)
    not_priced: int = 0  # statements planned, whose candidates were never priced
    moves_left: int = 0  # moves on offer whose current score was never computed
    rounds: int = 0  # greedy rounds completed
    steps_skipped: tuple[str, ...] = ()  # refinements after the rounds that did not run

    def describe(self, max_explains: int | None, time_limit_s: float | None) -> str:
        """One sentence for the report, ``""`` when no limit was reached."""
        if self.limit is None:
            return ""
        what = (
            f"--max-explains {max_explains}"
            if self.limit == MAX_EXPLAINS
            else f"--time-limit {time_limit_s:g}s"
        )
        parts = []
        if self.not_planned:
            parts.append(f"{self.not_planned} statements not planned")
        if self.not_priced:
            parts.append(f"{self.not_priced} statements whose candidates were not priced")
        if self.moves_left:
            parts.append(f"{self.moves_left} candidate moves not re-scored")
        if self.steps_skipped:
            parts.append("skipped: " + ", ".join(self.steps_skipped))
        left = "; ".join(parts) or "nothing left out"
        return (
            f"{what} reached: the advice is the best set found after {self.rounds} greedy "
            f"rounds ({left})"
        )


@dataclass(frozen=True)
class Footprint:
    """What the analysis leaves in pg_stat_statements, decided by its session's tracking level.

    ``tracking`` is ``pg_stat_statements.track`` in the analysis session after it tried to turn it
    off: ``none`` (nothing recorded), ``top`` (its own statements: a fixed set of entries),
    ``all`` (also one nested entry per statement planned: not bounded), None (not loaded).
    """

    tracking: str | None
    role: str = ""
    version_num: int = 0

    @property
    def bounded(self) -> bool:
        return self.tracking != "all"

    @property
    def grant(self) -> str:
        """What lets the role leave no entry at all."""
        from advisor.db.ddl import display  # local: ddl imports this module

        role = display(self.role or "advisor")
        if self.version_num >= 150000:
            return f"GRANT SET ON PARAMETER pg_stat_statements.track TO {role};"
        return f"ALTER ROLE {role} SET pg_stat_statements.track = 'none';"

    @property
    def note(self) -> str | None:
        """One line for the report when the analysis left entries; None when it left none."""
        if self.tracking in (None, "none"):
            return None
        if self.bounded:
            what = "a fixed set of entries of its own, the same at every run"
        else:
            what = (
                "one entry per statement planned (pg_stat_statements.track = all): "
                "its footprint is not bounded"
            )
        return (
            f"this role may not turn pg_stat_statements off for its session, so the analysis "
            f"added {what}; to leave none, run as a superuser: {self.grant}"
        )


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
    unevaluated: Unevaluated = field(default_factory=Unevaluated)  # left out by a limit
    plans_derived: int = 0  # what-if requests answered from a known plan, without an EXPLAIN
    write_notes: tuple[str, ...] = ()  # bulk loads set apart, where write rates came from
    writes: tuple[tuple[TableRef, TableWrites], ...] = ()  # tables with writes in the window
    window: Window | None = None  # what the measured times cover
    left_out: tuple[tuple[str, str], ...] = ()  # (index, why): chosen, then left out
    budget_note: str | None = None  # "2 indexes left out by --max-size 10MB"
    footprint: Footprint = field(default_factory=lambda: Footprint(None))
    calibration: Calibration | None = None  # ms per cost unit, when enough statements had times

    @property
    def limit_note(self) -> str:
        """Which limit stopped the search and what it left out; ``""`` when none did."""
        max_explains = self.settings.get("max_explains")
        time_limit = self.settings.get("time_limit_s")
        return self.unevaluated.describe(
            max_explains if isinstance(max_explains, int) else None,
            float(time_limit) if isinstance(time_limit, int | float) else None,
        )
