-- A statement text is stored once per database; later snapshots refer to it by queryid.
INSERT INTO advisor_query (system_id, database_name, queryid, fingerprint, query)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (system_id, database_name, queryid) DO NOTHING
