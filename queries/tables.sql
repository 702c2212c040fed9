-- Tables, partitioned tables, materialized views, views and foreign tables outside the system
-- schemas, with write counters and the parent of a partition. Views are listed so that statements
-- on them can be told apart.
SELECT c.oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind AS kind,
       c.relpersistence AS persistence,
       (SELECT h.inhparent FROM pg_catalog.pg_inherits h
         WHERE h.inhrelid = c.oid AND c.relispartition) AS parent_oid,
       GREATEST(c.reltuples, 0)::float8 AS reltuples,
       c.relpages,
       c.relallvisible,
       c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security,
       pg_catalog.pg_table_size(c.oid) AS size_bytes,
       COALESCE(s.n_tup_ins, 0) AS n_tup_ins,
       COALESCE(s.n_tup_upd, 0) AS n_tup_upd,
       COALESCE(s.n_tup_del, 0) AS n_tup_del,
       COALESCE(s.n_tup_hot_upd, 0) AS n_tup_hot_upd
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
 WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
