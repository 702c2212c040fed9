-- Every index on a user table: keys (column names, or expression texts), predicate, validity.
-- An index on a partitioned table (relkind 'I') has no storage and no scan counter of its own:
-- its size and scans are the sums over the leaf indexes attached below it. ``parent_oid`` is
-- the partitioned index an index is attached to, if any.
SELECT i.indexrelid AS oid,
       n.nspname AS schema,
       t.relname AS table_name,
       ic.relname AS name,
       am.amname AS method,
       ARRAY(SELECT CASE WHEN k.attnum = 0
                         THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)
                         ELSE (SELECT a.attname FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum)::text
                    END
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              WHERE k.ord <= i.indnkeyatts
              ORDER BY k.ord) AS keys,
       ARRAY(SELECT a.attname::text
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE k.ord > i.indnkeyatts
              ORDER BY k.ord) AS include,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       i.indisvalid AS is_valid,
       COALESCE(leaves.size_bytes, pg_catalog.pg_relation_size(i.indexrelid)) AS size_bytes,
       COALESCE(leaves.scans, s.idx_scan, 0) AS scans,
       ic.relkind AS kind,
       (SELECT h.inhparent FROM pg_catalog.pg_inherits h
         WHERE h.inhrelid = i.indexrelid) AS parent_oid
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  LEFT JOIN pg_catalog.pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
  LEFT JOIN LATERAL (
        SELECT sum(pg_catalog.pg_relation_size(t.relid)) AS size_bytes,
               sum(COALESCE(ls.idx_scan, 0)) AS scans
          FROM pg_catalog.pg_partition_tree(i.indexrelid) t
          LEFT JOIN pg_catalog.pg_stat_user_indexes ls ON ls.indexrelid = t.relid
         WHERE t.isleaf AND ic.relkind = 'I'  -- a one-time filter: plain indexes skip the scan
       ) leaves ON true
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
