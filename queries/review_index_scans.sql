-- Index scans counted by this server (a replica counts its own), by schema and index name.
SELECT s.schemaname::text AS schema,
       s.indexrelname::text AS name,
       s.idx_scan AS scans
  FROM pg_catalog.pg_stat_user_indexes s
