-- Every index on the tables of the partition tree under one table: its definition, validity,
-- and the partitioned index it is attached to, if any.
SELECT n.nspname AS schema,
       tc.relname AS table_name,
       ic.relname AS name,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       i.indisvalid AS is_valid,
       pn.nspname AS parent_schema,
       pc.relname AS parent_name
  FROM pg_catalog.pg_class r
  JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
 CROSS JOIN LATERAL pg_catalog.pg_partition_tree(r.oid) t
  JOIN pg_catalog.pg_index i ON i.indrelid = t.relid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
  LEFT JOIN pg_catalog.pg_inherits h ON h.inhrelid = i.indexrelid
  LEFT JOIN pg_catalog.pg_class pc ON pc.oid = h.inhparent
  LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
 WHERE rn.nspname = %(schema)s
   AND r.relname = %(table)s
 ORDER BY n.nspname COLLATE "C", tc.relname COLLATE "C", ic.relname COLLATE "C"
