-- Snapshot store: indexes a report recommended, so a later report can measure them once applied.
CREATE TABLE IF NOT EXISTS advisor_recommendation (
    snapshot_id text NOT NULL REFERENCES advisor_snapshot (id) ON DELETE CASCADE,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    index_name text NOT NULL,
    method text NOT NULL,
    keys_json text NOT NULL,
    create_sql text NOT NULL,
    queryids_json text NOT NULL,
    PRIMARY KEY (snapshot_id, schema_name, index_name)
)
