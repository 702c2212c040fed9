-- Sequences owned by a column (serial: deptype a, identity: deptype i) with the column's type,
-- the sequence's own type and maximum, and how far it has gone (null when never used or when
-- this role may not read it).
SELECT sn.nspname AS schema,
       s.relname AS name,
       n.nspname AS table_schema,
       c.relname AS table_name,
       a.attname AS column_name,
       t.typname AS column_type_name,
       pg_catalog.format_type(seq.seqtypid, NULL) AS sequence_type,
       seq.seqmax AS sequence_max,
       seq.seqincrement AS increment,
       ps.last_value
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
  JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
  JOIN pg_catalog.pg_sequence seq ON seq.seqrelid = s.oid
  JOIN pg_catalog.pg_class c ON c.oid = d.refobjid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_sequences ps
         ON ps.schemaname = sn.nspname AND ps.sequencename = s.relname
 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
   AND d.deptype IN ('a', 'i')
   AND d.refobjsubid > 0
   AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
 ORDER BY sn.nspname, s.relname
