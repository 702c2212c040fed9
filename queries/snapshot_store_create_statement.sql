-- Snapshot store: cumulative pg_stat_statements counters per (snapshot, user, queryid).
CREATE TABLE IF NOT EXISTS advisor_snapshot_statement (
    snapshot_id text NOT NULL REFERENCES advisor_snapshot (id) ON DELETE CASCADE,
    userid bigint NOT NULL,
    queryid bigint NOT NULL,
    calls bigint NOT NULL,
    total_exec_ms double precision NOT NULL,
    total_plan_ms double precision NOT NULL,
    rows_returned bigint NOT NULL,
    shared_blks_hit bigint NOT NULL,
    shared_blks_read bigint NOT NULL,
    temp_blks_written bigint NOT NULL,
    PRIMARY KEY (snapshot_id, userid, queryid)
)
