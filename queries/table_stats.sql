-- One table's row estimates, vacuum/analyze history and access counters (by oid), named as
-- advisor.table_view.model.TableStats names them. No lock is taken: sizes come from
-- table_sizes, which waits behind an exclusive lock; this does not.
SELECT c.oid,
       c.relkind AS kind,
       c.relpersistence AS persistence,
       GREATEST(c.reltuples, 0)::float8 AS reltuples,
       c.relpages,
       c.relpages::int8 * pg_catalog.current_setting('block_size')::int8 AS heap_estimate,
       s.n_live_tup AS live_rows,
       s.n_dead_tup AS dead_rows,
       s.n_mod_since_analyze AS modified_since_analyze,
       s.last_vacuum,
       s.last_autovacuum,
       s.last_analyze,
       s.last_autoanalyze,
       COALESCE(s.vacuum_count, 0) AS vacuum_count,
       COALESCE(s.autovacuum_count, 0) AS autovacuum_count,
       COALESCE(s.analyze_count, 0) AS analyze_count,
       COALESCE(s.autoanalyze_count, 0) AS autoanalyze_count,
       COALESCE(s.seq_scan, 0) AS seq_scans,
       COALESCE(s.seq_tup_read, 0) AS seq_rows_read,
       COALESCE(s.idx_scan, 0) AS index_scans,
       COALESCE(s.idx_tup_fetch, 0) AS index_rows_fetched,
       COALESCE(s.n_tup_ins, 0) AS inserted,
       COALESCE(s.n_tup_upd, 0) AS updated,
       COALESCE(s.n_tup_del, 0) AS deleted,
       COALESCE(s.n_tup_hot_upd, 0) AS hot_updated,
       (SELECT d.stats_reset FROM pg_catalog.pg_stat_database d
         WHERE d.datname = pg_catalog.current_database()) AS stats_reset
  FROM pg_catalog.pg_class c
  LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
 WHERE c.oid = %s
