-- Tables the lint rules look at: ordinary and partitioned tables outside the system schemas and
-- not owned by an extension. Partitions are left out: their partitioned parent stands for them.
-- rows is the planner's estimate (the live-tuple count when the table was never analysed).
-- has_default_partition: a partitioned table with a DEFAULT partition (DETACH ... CONCURRENTLY
-- refuses such a parent).
SELECT c.oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind AS kind,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       CASE WHEN c.relkind = 'p'
            THEN (SELECT COALESCE(sum(pg_catalog.pg_table_size(p.relid)), 0)
                    FROM pg_catalog.pg_partition_tree(c.oid) AS p
                   WHERE p.isleaf)
            ELSE pg_catalog.pg_table_size(c.oid)
       END::int8 AS size_bytes,
       (CASE WHEN c.reltuples < 0 THEN COALESCE(s.n_live_tup, 0) ELSE c.reltuples END)::float8
           AS rows,
       COALESCE(s.n_tup_ins, 0) AS n_tup_ins,
       COALESCE(s.n_tup_upd, 0) AS n_tup_upd,
       COALESCE(s.n_tup_del, 0) AS n_tup_del,
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
 WHERE c.relkind IN ('r', 'p')
   AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
   AND NOT EXISTS (SELECT 1
                     FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND d.objid = c.oid
                      AND d.deptype = 'e')
 ORDER BY n.nspname, c.relname
