-- One table's row estimates, vacuum/analyze history and access counters (by oid). No lock is
-- taken: sizes come from table_sizes, which waits behind an exclusive lock; this does not.
SELECT c.oid,
       c.relkind AS kind,
       c.relpersistence AS persistence,
       GREATEST(c.reltuples, 0)::float8 AS reltuples,
       c.relpages,
       c.relpages::int8 * pg_catalog.current_setting('block_size')::int8 AS heap_estimate,
       s.n_live_tup,
       s.n_dead_tup,
       s.n_mod_since_analyze,
       s.last_vacuum,
       s.last_autovacuum,
       s.last_analyze,
       s.last_autoanalyze,
       s.vacuum_count,
       s.autovacuum_count,
       s.analyze_count,
       s.autoanalyze_count,
       s.seq_scan,
       s.seq_tup_read,
       s.idx_scan,
       s.idx_tup_fetch,
       s.n_tup_ins,
       s.n_tup_upd,
       s.n_tup_del,
       s.n_tup_hot_upd,
       (SELECT d.stats_reset FROM pg_catalog.pg_stat_database d
         WHERE d.datname = pg_catalog.current_database()) AS stats_reset
  FROM pg_catalog.pg_class c
  LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
 WHERE c.oid = %s
