-- Primary key, foreign key, unique and check constraints declared on tables (copies that
-- partitions inherit are left out), with their columns, the referenced table and columns, the
-- ON DELETE action (a no action, r restrict, c cascade, n set null, d set default), whether they
-- are validated, their definition and comment.
SELECT con.conname AS name,
       n.nspname AS schema,
       c.relname AS table_name,
       con.contype AS type,
       ARRAY(SELECT a.attname::text
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = con.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       rn.nspname AS ref_schema,
       rc.relname AS ref_table,
       ARRAY(SELECT a.attname::text
               FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = con.confrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS ref_columns,
       con.confdeltype AS on_delete,
       con.confupdtype AS on_update,
       con.confmatchtype AS match_type,
       con.condeferrable AS deferrable,
       con.condeferred AS deferred,
       con.convalidated AS validated,
       pg_catalog.pg_get_constraintdef(con.oid) AS definition,
       pg_catalog.obj_description(con.oid, 'pg_constraint') AS comment
  FROM pg_catalog.pg_constraint con
  JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
  LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
 WHERE con.contype IN ('p', 'f', 'u', 'c')
   AND con.conparentid = 0
   AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
 ORDER BY n.nspname, c.relname, con.conname
