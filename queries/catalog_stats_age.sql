-- How long this database's cumulative statistics (idx_scan among them) have been counting:
-- since their last reset, else at least since the server started.
SELECT d.stats_reset,
       pg_catalog.pg_postmaster_start_time() AS postmaster_start,
       EXTRACT(EPOCH FROM pg_catalog.now()
                          - COALESCE(d.stats_reset, pg_catalog.pg_postmaster_start_time()))::float8
           AS age_seconds
  FROM pg_catalog.pg_stat_database d
 WHERE d.datname = pg_catalog.current_database()
