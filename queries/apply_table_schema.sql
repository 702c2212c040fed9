-- The schema of a table named in a migration without one, looked up through the search_path.
SELECT n.nspname AS schema
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = pg_catalog.to_regclass(%(table)s)
