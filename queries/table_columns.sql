-- One table's columns in order, with their type, nullability and the planner's statistics
-- (pg_stats: null fraction, distinct values, correlation, width). For a table that has
-- inheritance children, the statistics of the table itself (inherited = false) come first;
-- a partitioned table has only the inherited ones. No lock is taken.
SELECT a.attnum,
       a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       s.null_frac::float8 AS null_frac,
       s.n_distinct::float8 AS n_distinct,
       s.correlation::float8 AS correlation,
       s.avg_width
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN LATERAL (
        SELECT st.null_frac, st.n_distinct, st.correlation, st.avg_width
          FROM pg_catalog.pg_stats st
         WHERE st.schemaname = n.nspname
           AND st.tablename = c.relname
           AND st.attname = a.attname
         ORDER BY st.inherited
         LIMIT 1
       ) s ON true
 WHERE a.attrelid = %(oid)s
   AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY a.attnum
