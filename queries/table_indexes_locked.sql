-- One table's indexes (by table oid) without taking any lock, for when the table is locked
-- exclusively: pg_get_indexdef would wait, so expression keys read "(expression)" and the
-- definition is left to the caller.
SELECT i.indexrelid AS oid,
       ic.relname AS name,
       am.amname AS method,
       ARRAY(SELECT COALESCE((SELECT a.attname FROM pg_catalog.pg_attribute a
                               WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum)::text,
                             '(expression)')
               FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              WHERE k.ord <= i.indnkeyatts
              ORDER BY k.ord) AS keys,
       ARRAY(SELECT a.attname::text
               FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE k.ord > i.indnkeyatts
              ORDER BY k.ord) AS include,
       CASE WHEN i.indpred IS NULL THEN NULL ELSE '(predicate)' END AS predicate,
       NULL::text AS definition,
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
