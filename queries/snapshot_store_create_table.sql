-- Snapshot store: cumulative pg_stat_user_tables counters and sizes per (snapshot, table).
CREATE TABLE IF NOT EXISTS advisor_snapshot_table (
    snapshot_id text NOT NULL REFERENCES advisor_snapshot (id) ON DELETE CASCADE,
    rel_oid bigint NOT NULL,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    seq_scan bigint NOT NULL,
    seq_tup_read bigint NOT NULL,
    idx_scan bigint NOT NULL,
    n_tup_ins bigint NOT NULL,
    n_tup_upd bigint NOT NULL,
    n_tup_del bigint NOT NULL,
    n_tup_hot_upd bigint NOT NULL,
    n_live_tup bigint NOT NULL,
    n_dead_tup bigint NOT NULL,
    heap_bytes bigint NOT NULL,
    index_bytes bigint NOT NULL,
    toast_bytes bigint NOT NULL,
    PRIMARY KEY (snapshot_id, rel_oid)
)
