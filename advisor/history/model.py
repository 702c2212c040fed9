"""What a snapshot holds: cumulative counters and sizes of one database at one moment.

Counters (calls, scans, tuples) are cumulative since the last statistics reset; a period's
figures come from the difference of two snapshots (``deltas``). Times are UNIX epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ServerKey:
    """One database of one cluster: pg_control_system()'s system identifier and the name.

    The identifier survives restarts and upgrades in place, and differs between clusters, so
    two servers with a database of the same name never mix in a shared store.
    """

    system_id: str
    database: str


@dataclass(frozen=True)
class SnapshotMeta:
    """The header of a snapshot: when, where, and the reset markers of its counters."""

    id: str
    key: ServerKey
    taken_at: float
    server_version: str
    pgss_reset: float | None  # pg_stat_statements_info.stats_reset (14+)
    stats_reset: float | None  # pg_stat_database.stats_reset of the database
    database_size: int
    statements: int = 0
    calls: int = 0
    total_exec_ms: float = 0.0


@dataclass(frozen=True)
class StatementRow:
    """pg_stat_statements counters of one (user, queryid), summed over top-level and nested."""

    userid: int
    queryid: int
    fingerprint: str
    query: str
    calls: int
    total_exec_ms: float
    total_plan_ms: float
    rows: int
    shared_blks_hit: int
    shared_blks_read: int
    temp_blks_written: int


@dataclass(frozen=True)
class TableRow:
    """pg_stat_user_tables counters and the sizes of one table."""

    oid: int
    schema: str
    name: str
    seq_scan: int
    seq_tup_read: int
    idx_scan: int
    n_tup_ins: int
    n_tup_upd: int
    n_tup_del: int
    n_tup_hot_upd: int
    n_live_tup: int
    n_dead_tup: int
    heap_bytes: int
    index_bytes: int
    toast_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.heap_bytes + self.index_bytes + self.toast_bytes


@dataclass(frozen=True)
class IndexRow:
    """pg_stat_user_indexes counters, the size and the definition of one index."""

    oid: int
    schema: str
    table: str
    name: str
    method: str
    keys: tuple[str, ...]
    definition: str
    is_unique: bool
    is_primary: bool
    is_valid: bool
    scans: int
    tup_read: int
    size_bytes: int


@dataclass(frozen=True)
class Snapshot:
    meta: SnapshotMeta
    statements: tuple[StatementRow, ...]
    tables: tuple[TableRow, ...]
    indexes: tuple[IndexRow, ...]


@dataclass(frozen=True)
class StoredRecommendation:
    """An index a report recommended, kept so a later report can measure it once applied."""

    snapshot_id: str
    recommended_at: float
    schema: str
    table: str
    name: str
    method: str
    keys: tuple[str, ...]
    create_sql: str
    queryids: tuple[int, ...]
