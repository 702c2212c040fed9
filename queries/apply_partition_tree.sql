-- The tables of the partition tree under one table, as they are now (pg_partition_tree): each
-- with its kind ('p' partitioned, 'r' leaf, 'f' foreign table) and its direct parent. No row
-- for a table that is neither partitioned nor a partition; the first row is the table itself.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind AS kind,
       pn.nspname AS parent_schema,
       p.relname AS parent_name
  FROM pg_catalog.pg_class r
  JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
 CROSS JOIN LATERAL pg_catalog.pg_partition_tree(r.oid) t
  JOIN pg_catalog.pg_class c ON c.oid = t.relid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_class p ON p.oid = t.parentrelid
  LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
 WHERE rn.nspname = %(schema)s
   AND r.relname = %(table)s
 ORDER BY t.level, n.nspname COLLATE "C", c.relname COLLATE "C"
