-- Snapshot store: each statement text once per database, with the parser's fingerprint.
CREATE TABLE IF NOT EXISTS advisor_query (
    system_id text NOT NULL,
    database_name text NOT NULL,
    queryid bigint NOT NULL,
    fingerprint text NOT NULL,
    query text NOT NULL,
    PRIMARY KEY (system_id, database_name, queryid)
)
