-- Snapshot store (SQLite or PostgreSQL): one row per snapshot, times in epoch seconds.
CREATE TABLE IF NOT EXISTS advisor_snapshot (
    id text PRIMARY KEY,
    system_id text NOT NULL,
    database_name text NOT NULL,
    taken_at double precision NOT NULL,
    server_version text NOT NULL,
    pgss_reset double precision,
    stats_reset double precision,
    database_size bigint NOT NULL,
    statements bigint NOT NULL,
    calls bigint NOT NULL,
    total_exec_ms double precision NOT NULL
)
