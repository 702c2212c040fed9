-- Every partition of a partitioned table (pg_inherits under a relkind 'p' parent): its kind
-- ('r' a leaf with storage, 'p' itself partitioned, 'f' a foreign table) and whether it is the
-- parent's default partition.
SELECT pn.nspname AS parent_schema,
       p.relname AS parent_name,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind AS kind,
       c.oid = pt.partdefid AS is_default
  FROM pg_catalog.pg_inherits h
  JOIN pg_catalog.pg_class p ON p.oid = h.inhparent AND p.relkind = 'p'
  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
  JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = p.oid
  JOIN pg_catalog.pg_class c ON c.oid = h.inhrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE pn.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND pn.nspname NOT LIKE 'pg\_temp\_%'
 ORDER BY pn.nspname COLLATE "C", p.relname COLLATE "C", n.nspname COLLATE "C", c.relname COLLATE "C"
