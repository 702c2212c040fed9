-- Counters and sizes of every user table (leaf tables and materialized views have statistics).
-- TOAST is the TOAST table with its index; heap is the rest of pg_table_size (main, FSM, VM).
-- Live rows: n_live_tup; but a statistics reset restarts it from zero, so until the next vacuum
-- or analyze they are the planner's reltuples plus the rows inserted less those deleted since.
SELECT s.relid AS oid,
       s.schemaname AS schema,
       s.relname AS name,
       COALESCE(s.seq_scan, 0) AS seq_scan,
       COALESCE(s.seq_tup_read, 0) AS seq_tup_read,
       COALESCE(s.idx_scan, 0) AS idx_scan,
       s.n_tup_ins,
       s.n_tup_upd,
       s.n_tup_del,
       s.n_tup_hot_upd,
       CASE WHEN r.stats_reset > COALESCE(GREATEST(s.last_vacuum, s.last_autovacuum,
                                                    s.last_analyze, s.last_autoanalyze),
                                           '-infinity')
            THEN GREATEST(GREATEST(c.reltuples, 0)::int8 + s.n_tup_ins - s.n_tup_del, 0)
            ELSE s.n_live_tup END AS n_live_tup,
       s.n_dead_tup,
       pg_catalog.pg_table_size(s.relid) - t.toast_bytes AS heap_bytes,
       pg_catalog.pg_indexes_size(s.relid) AS index_bytes,
       t.toast_bytes
  FROM pg_catalog.pg_stat_user_tables s
  JOIN pg_catalog.pg_class c ON c.oid = s.relid
 LEFT JOIN pg_catalog.pg_stat_database r ON r.datname = pg_catalog.current_database()
 CROSS JOIN LATERAL (
       SELECT CASE WHEN c.reltoastrelid = 0 THEN 0
                   ELSE pg_catalog.pg_total_relation_size(c.reltoastrelid) END AS toast_bytes
       ) t
