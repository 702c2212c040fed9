-- Progress of the CREATE INDEX CONCURRENTLY that one backend is running (PostgreSQL 12+).
SELECT p.phase,
       p.lockers_total,
       p.lockers_done,
       p.blocks_total,
       p.blocks_done,
       p.tuples_total,
       p.tuples_done
  FROM pg_catalog.pg_stat_progress_create_index p
 WHERE p.pid = %(pid)s
