-- Counters, size and definition of every index on a user table. Keys are column names or,
-- for expressions, their text; they let a later report match an index to a recommendation.
SELECT s.indexrelid AS oid,
       s.schemaname AS schema,
       s.relname AS table_name,
       s.indexrelname AS name,
       am.amname AS method,
       ARRAY(SELECT CASE WHEN k.attnum = 0
                         THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)
                         ELSE (SELECT a.attname FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum)::text
                    END
               FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              WHERE k.ord <= i.indnkeyatts
              ORDER BY k.ord) AS keys,
       pg_catalog.pg_get_indexdef(s.indexrelid) AS definition,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       i.indisvalid AS is_valid,
       COALESCE(s.idx_scan, 0) AS scans,
       COALESCE(s.idx_tup_read, 0) AS tup_read,
       pg_catalog.pg_relation_size(s.indexrelid) AS size_bytes
  FROM pg_catalog.pg_stat_user_indexes s
  JOIN pg_catalog.pg_index i ON i.indexrelid = s.indexrelid
  JOIN pg_catalog.pg_class ic ON ic.oid = s.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
