-- Columns of the tables in lint_tables: type (formatted and by base name with its typmod),
-- nullability, default expression, identity/generated flags and the column comment.
SELECT a.attrelid AS table_oid,
       a.attname AS name,
       a.attnum,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       t.typname AS type_name,
       tn.nspname AS type_schema,
       t.typtype AS type_kind,
       a.atttypmod AS typmod,
       a.attnotnull AS not_null,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_sql,
       a.attidentity AS identity,
       a.attgenerated AS generated,
       pg_catalog.col_description(a.attrelid, a.attnum) AS comment
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relkind IN ('r', 'p')
   AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum
