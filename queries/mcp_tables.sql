-- Tables for the MCP resource list: name, kind, the planner's row estimate and a size from
-- relpages (heap and TOAST as of the last VACUUM or ANALYZE). Reads pg_class only and takes no
-- lock, so a table locked exclusively cannot stall the listing. Biggest first, up to a limit.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind AS kind,
       GREATEST(c.reltuples, 0)::float8 AS rows,
       (c.relpages::bigint + COALESCE(t.relpages, 0)::bigint)
           * pg_catalog.current_setting('block_size')::bigint AS size_bytes
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
 WHERE c.relkind IN ('r', 'p', 'm')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%%'
   AND n.nspname NOT LIKE 'pg\_toast\_temp\_%%'
 ORDER BY size_bytes DESC, n.nspname, c.relname
 LIMIT %(limit)s
