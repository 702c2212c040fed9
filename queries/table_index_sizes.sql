-- The size of each index of one table (by table oid); waits for the indexes' AccessShareLocks.
SELECT i.indexrelid AS oid,
       pg_catalog.pg_relation_size(i.indexrelid) AS size_bytes
  FROM pg_catalog.pg_index i
 WHERE i.indrelid = %s
