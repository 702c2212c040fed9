-- The names of an index on a partitioned table and of every index attached below it: plans
-- name the partitions' indexes.
SELECT c.relname::text AS name
  FROM pg_catalog.pg_partition_tree(pg_catalog.to_regclass(%(index)s)) t
  JOIN pg_catalog.pg_class c ON c.oid = t.relid
