-- Every relation name taken, by schema (tables, indexes, sequences, views, materialized views,
-- composite types and foreign tables share one namespace per schema); all schemas, or one
-- (the parameter schema; NULL for all).
SELECT n.nspname::text AS schema,
       c.relname::text AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE %(schema)s::text IS NULL OR n.nspname = %(schema)s::text
