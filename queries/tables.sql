-- Tables, partitioned tables, materialized views, views and foreign tables outside the system
-- schemas, with write counters. Views are listed so that statements on them can be told apart.
-- A partitioned table has no storage and no write counters of its own: its rows, pages, size
-- and writes are the sums over its leaf partitions (its own reltuples is only set by a manual
-- ANALYZE of the parent, which autovacuum never runs).
SELECT c.oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind AS kind,
       c.relpersistence AS persistence,
       COALESCE(leaves.reltuples, GREATEST(c.reltuples, 0))::float8 AS reltuples,
       COALESCE(leaves.relpages, c.relpages) AS relpages,
       COALESCE(leaves.relallvisible, c.relallvisible) AS relallvisible,
       c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security,
       COALESCE(leaves.size_bytes, pg_catalog.pg_table_size(c.oid)) AS size_bytes,
       COALESCE(leaves.n_tup_ins, s.n_tup_ins, 0) AS n_tup_ins,
       COALESCE(leaves.n_tup_upd, s.n_tup_upd, 0) AS n_tup_upd,
       COALESCE(leaves.n_tup_del, s.n_tup_del, 0) AS n_tup_del,
       COALESCE(leaves.n_tup_hot_upd, s.n_tup_hot_upd, 0) AS n_tup_hot_upd
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
  LEFT JOIN LATERAL (
        SELECT sum(GREATEST(lc.reltuples, 0)) AS reltuples,
               sum(lc.relpages)::int AS relpages,
               sum(lc.relallvisible)::int AS relallvisible,
               sum(pg_catalog.pg_table_size(lc.oid)) AS size_bytes,
               sum(COALESCE(ls.n_tup_ins, 0)) AS n_tup_ins,
               sum(COALESCE(ls.n_tup_upd, 0)) AS n_tup_upd,
               sum(COALESCE(ls.n_tup_del, 0)) AS n_tup_del,
               sum(COALESCE(ls.n_tup_hot_upd, 0)) AS n_tup_hot_upd
          FROM pg_catalog.pg_partition_tree(c.oid) t
          JOIN pg_catalog.pg_class lc ON lc.oid = t.relid
          LEFT JOIN pg_catalog.pg_stat_user_tables ls ON ls.relid = lc.oid
         WHERE t.isleaf AND c.relkind = 'p'  -- a one-time filter: other relations skip the scan
       ) leaves ON true
 WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
