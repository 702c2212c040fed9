-- Tables, partitioned tables, materialized views, views and foreign tables outside the system
-- schemas, as one fact for every command: kind, row estimates, pages, row-level security,
-- size (a partitioned table: the sum over its leaf partitions), write counters, comment, and
-- what the lint rules look at (a partition, owned by an extension, a BEFORE INSERT row
-- trigger, a DEFAULT partition). rows is the planner's estimate, or the live-tuple count when
-- the table was never analysed. Views are listed so that statements on them can be told apart.
-- A partitioned table has no storage and no write counters of its own: its rows, pages, size
-- and writes are the sums over its leaf partitions (its own reltuples is only set by a manual
-- ANALYZE of the parent, which autovacuum never runs).
SELECT c.oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind AS kind,
       c.relpersistence AS persistence,
       COALESCE(leaves.reltuples, GREATEST(c.reltuples, 0))::float8 AS reltuples,
       COALESCE(leaves.rows,
                CASE WHEN c.reltuples < 0 THEN COALESCE(s.n_live_tup, 0) ELSE c.reltuples END
               )::float8 AS rows,
       COALESCE(leaves.relpages, c.relpages)::int8 AS relpages,
       COALESCE(leaves.relallvisible, c.relallvisible)::int8 AS relallvisible,
       c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security,
       COALESCE(leaves.size_bytes,
                CASE WHEN c.relkind IN ('r', 'm') THEN pg_catalog.pg_table_size(c.oid) ELSE 0 END
               )::int8 AS size_bytes,
       COALESCE(leaves.n_tup_ins, s.n_tup_ins, 0)::int8 AS n_tup_ins,
       COALESCE(leaves.n_tup_upd, s.n_tup_upd, 0)::int8 AS n_tup_upd,
       COALESCE(leaves.n_tup_del, s.n_tup_del, 0)::int8 AS n_tup_del,
       COALESCE(leaves.n_tup_hot_upd, s.n_tup_hot_upd, 0)::int8 AS n_tup_hot_upd,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       c.relispartition AS is_partition,
       EXISTS (SELECT 1
                 FROM pg_catalog.pg_depend d
                WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                  AND d.objid = c.oid
                  AND d.deptype = 'e') AS extension_member,
       EXISTS (SELECT 1
                 FROM pg_catalog.pg_trigger tg
                WHERE tg.tgrelid = c.oid
                  AND NOT tg.tgisinternal
                  AND tg.tgtype::int & 7 = 7) AS before_insert_row_trigger,
       COALESCE((SELECT pt.partdefid <> 0
                   FROM pg_catalog.pg_partitioned_table pt
                  WHERE pt.partrelid = c.oid), false) AS has_default_partition
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
  LEFT JOIN LATERAL (
        SELECT sum(GREATEST(lc.reltuples, 0)) AS reltuples,
               sum(CASE WHEN lc.reltuples < 0 THEN COALESCE(ls.n_live_tup, 0)
                        ELSE lc.reltuples END) AS rows,
               sum(lc.relpages) AS relpages,
               sum(lc.relallvisible) AS relallvisible,
               sum(pg_catalog.pg_table_size(lc.oid)) AS size_bytes,
               sum(COALESCE(ls.n_tup_ins, 0)) AS n_tup_ins,
               sum(COALESCE(ls.n_tup_upd, 0)) AS n_tup_upd,
               sum(COALESCE(ls.n_tup_del, 0)) AS n_tup_del,
               sum(COALESCE(ls.n_tup_hot_upd, 0)) AS n_tup_hot_upd
          FROM pg_catalog.pg_partition_tree(c.oid) t
          JOIN pg_catalog.pg_class lc ON lc.oid = t.relid
          LEFT JOIN pg_catalog.pg_stat_user_tables ls ON ls.relid = lc.oid
         WHERE t.isleaf AND c.relkind = 'p'  -- a one-time filter: other relations skip the scan
        HAVING c.relkind = 'p'
       ) leaves ON true
 WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
 ORDER BY n.nspname, c.relname
