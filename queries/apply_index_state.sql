-- The relation apply is about to create, if one of that name exists in the schema: what it is,
-- which table it indexes, whether it is valid and ready, and whether a build of it is running.
SELECT c.relkind AS kind,
       t_ns.nspname AS table_schema,
       t.relname AS table_name,
       COALESCE(i.indisvalid, false) AS is_valid,
       COALESCE(i.indisready, false) AS is_ready,
       pg_catalog.pg_get_indexdef(c.oid) AS definition,
       (SELECT p.pid
          FROM pg_catalog.pg_stat_progress_create_index p
         WHERE p.index_relid = c.oid
           AND p.pid <> pg_catalog.pg_backend_pid()
         LIMIT 1) AS building_pid
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
  LEFT JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  LEFT JOIN pg_catalog.pg_namespace t_ns ON t_ns.oid = t.relnamespace
 WHERE n.nspname = %(schema)s
   AND c.relname = %(name)s
