-- Snapshot store: cumulative pg_stat_user_indexes counters, size and definition per index.
CREATE TABLE IF NOT EXISTS advisor_snapshot_index (
    snapshot_id text NOT NULL REFERENCES advisor_snapshot (id) ON DELETE CASCADE,
    rel_oid bigint NOT NULL,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    index_name text NOT NULL,
    method text NOT NULL,
    keys_json text NOT NULL,
    definition text NOT NULL,
    is_unique boolean NOT NULL,
    is_primary boolean NOT NULL,
    is_valid boolean NOT NULL,
    scans bigint NOT NULL,
    tup_read bigint NOT NULL,
    size_bytes bigint NOT NULL,
    PRIMARY KEY (snapshot_id, rel_oid)
)
