-- catalog_indexes for one table (by oid) without taking any lock, for when the table is locked
-- exclusively: pg_get_expr, pg_get_indexdef (of expressions and predicates), pg_relation_size
-- and pg_partition_tree would wait. Expression keys read "(expression)", a predicate
-- "(predicate)", the definition is left to the caller and the size comes from relpages.
SELECT i.indexrelid AS oid,
       i.indrelid AS table_oid,
       n.nspname AS schema,
       t.relname AS table_name,
       t.relkind AS table_kind,
       ic.relname AS name,
       ic.relkind AS kind,
       am.amname AS method,
       i.indnkeyatts AS key_count,
       i.indkey::pg_catalog.int2[] AS attnums,
       i.indclass::pg_catalog.oid[] AS opclasses,
       i.indcollation::pg_catalog.oid[] AS collations,
       i.indoption::pg_catalog.int2[] AS options,
       ARRAY(SELECT COALESCE((SELECT a.attname FROM pg_catalog.pg_attribute a
                               WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum)::text,
                             '(expression)')
               FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY AS k(attnum, ord)
              ORDER BY k.ord) AS column_texts,
       pg_catalog.regexp_replace(i.indexprs::text, ' :location -?[0-9]+', '', 'g') AS expressions,
       pg_catalog.regexp_replace(i.indpred::text, ' :location -?[0-9]+', '', 'g') AS predicate_tree,
       CASE WHEN i.indpred IS NULL THEN NULL ELSE '(predicate)' END AS predicate,
       NULL::text AS definition,
       NULL::name AS tablespace,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       i.indisexclusion AS is_exclusion,
       i.indisreplident AS is_replica_identity,
       i.indisvalid AS is_valid,
       i.indisready AS is_ready,
       ARRAY(SELECT c.conname::text
               FROM pg_catalog.pg_constraint c
              WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
              ORDER BY c.conname) AS constraints,
       (SELECT h.inhparent FROM pg_catalog.pg_inherits h
         WHERE h.inhrelid = i.indexrelid) AS parent_oid,
       ARRAY[]::pg_catalog.oid[] AS leaf_oids,
       false AS extension_member,
       false AS building,
       ic.relpages::int8 * pg_catalog.current_setting('block_size')::int8 AS size_bytes,
       COALESCE(s.idx_scan, 0) AS scans,
       COALESCE(s.idx_tup_read, 0) AS tup_read,
       COALESCE(s.idx_tup_fetch, 0) AS tup_fetch
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  LEFT JOIN pg_catalog.pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
 WHERE i.indrelid = %(table_oid)s::pg_catalog.oid
 ORDER BY ic.relname COLLATE "C"
