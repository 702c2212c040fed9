-- Foreign keys declared on user tables (constraints cloned onto partitions are left out: the
-- parent's constraint stands for them), with the referencing columns in constraint order; all,
-- or those of one table (by the oid parameter table_oid; NULL for all).
SELECT c.oid,
       c.conname AS name,
       c.conrelid AS table_oid,
       n.nspname AS schema,
       t.relname AS table_name,
       t.relkind AS table_kind,
       c.conkey::pg_catalog.int2[] AS attnums,
       ARRAY(SELECT a.attname::text
               FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = c.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       rn.nspname AS referenced_schema,
       rt.relname AS referenced_table
  FROM pg_catalog.pg_constraint c
  JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_catalog.pg_class rt ON rt.oid = c.confrelid
  JOIN pg_catalog.pg_namespace rn ON rn.oid = rt.relnamespace
 WHERE c.contype = 'f'
   AND c.conparentid = 0
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%%'
   AND (%(table_oid)s::pg_catalog.oid IS NULL OR c.conrelid = %(table_oid)s::pg_catalog.oid)
 ORDER BY n.nspname COLLATE "C", t.relname COLLATE "C", c.conname COLLATE "C"
