-- Snapshot store: the snapshots of one database in time order.
CREATE INDEX IF NOT EXISTS advisor_snapshot_key_idx
    ON advisor_snapshot (system_id, database_name, taken_at)
