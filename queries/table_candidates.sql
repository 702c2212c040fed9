-- Every table a user could name: tables, partitioned tables and materialized views outside the
-- system schemas, for name resolution and "did you mean" suggestions.
SELECT c.oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind AS kind
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
