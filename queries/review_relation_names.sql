-- Every relation name taken in one schema (tables, indexes, sequences, views share a namespace).
SELECT c.relname::text AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = %s
