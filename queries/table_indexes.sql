-- One table's indexes (by table oid): definition, keys, flags and scan counters; no lock is
-- taken (table_index_sizes gives the exact sizes, relpages an estimate when those must wait).
SELECT i.indexrelid AS oid,
       ic.relname AS name,
       am.amname AS method,
       ARRAY(SELECT CASE WHEN k.attnum = 0
                         THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)
                         ELSE (SELECT a.attname FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum)::text
                    END
               FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              WHERE k.ord <= i.indnkeyatts
              ORDER BY k.ord) AS keys,
       ARRAY(SELECT a.attname::text
               FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE k.ord > i.indnkeyatts
              ORDER BY k.ord) AS include,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       i.indisvalid AS is_valid,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co
                WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid) AS backs_constraint,
       ic.relpages::int8 * pg_catalog.current_setting('block_size')::int8 AS size_estimate,
       COALESCE(s.idx_scan, 0) AS scans,
       COALESCE(s.idx_tup_read, 0) AS tup_read,
       COALESCE(s.idx_tup_fetch, 0) AS tup_fetch
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  LEFT JOIN pg_catalog.pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
 WHERE i.indrelid = %s
 ORDER BY ic.relname
