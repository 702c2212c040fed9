-- Every index on a user table, or on the one table given by its oid (table_oid NULL: all), as
-- one fact: keys as names and as PostgreSQL compares them (indkey, indclass, indcollation,
-- indoption, expression node trees without their parse locations), predicate, definition, what
-- the index is bound to (constraints, replica identity, partitioning, an extension, a build in
-- progress), its size and its scan counters. Run after review_pin_search_path, so that
-- definitions and expressions name every object outside pg_catalog with its schema.
-- An index on a partitioned table (relkind 'I') has no storage and no counter of its own: its
-- size and scans are the sums over the leaf indexes attached below it.
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
       ARRAY(SELECT CASE WHEN k.attnum = 0
                         THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)
                         ELSE (SELECT a.attname FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum)::text
                    END
               FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY AS k(attnum, ord)
              ORDER BY k.ord) AS column_texts,
       pg_catalog.regexp_replace(i.indexprs::text, ' :location -?[0-9]+', '', 'g') AS expressions,
       pg_catalog.regexp_replace(i.indpred::text, ' :location -?[0-9]+', '', 'g') AS predicate_tree,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       ts.spcname AS tablespace,
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
       ARRAY(SELECT p.relid::pg_catalog.oid
               FROM pg_catalog.pg_partition_tree(i.indexrelid) p
              WHERE p.isleaf AND ic.relkind = 'I'
              ORDER BY p.relid) AS leaf_oids,
       EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                  AND d.objid = i.indexrelid AND d.deptype = 'e') AS extension_member,
       EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p
                WHERE p.index_relid = i.indexrelid) AS building,
       COALESCE(leaves.size_bytes, pg_catalog.pg_relation_size(i.indexrelid)) AS size_bytes,
       COALESCE(leaves.scans, s.idx_scan, 0) AS scans,
       COALESCE(leaves.tup_read, s.idx_tup_read, 0) AS tup_read,
       COALESCE(leaves.tup_fetch, s.idx_tup_fetch, 0) AS tup_fetch
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
  LEFT JOIN pg_catalog.pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
  LEFT JOIN LATERAL (
        SELECT sum(pg_catalog.pg_relation_size(p.relid))::int8 AS size_bytes,
               sum(COALESCE(ls.idx_scan, 0))::int8 AS scans,
               sum(COALESCE(ls.idx_tup_read, 0))::int8 AS tup_read,
               sum(COALESCE(ls.idx_tup_fetch, 0))::int8 AS tup_fetch
          FROM pg_catalog.pg_partition_tree(i.indexrelid) p
          LEFT JOIN pg_catalog.pg_stat_all_indexes ls ON ls.indexrelid = p.relid
         WHERE p.isleaf AND ic.relkind = 'I'  -- a one-time filter: plain indexes skip the scan
        HAVING ic.relkind = 'I'
       ) leaves ON true
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%%'
   AND n.nspname NOT LIKE 'pg\_toast\_temp\_%%'
   AND (%(table_oid)s::pg_catalog.oid IS NULL OR i.indrelid = %(table_oid)s::pg_catalog.oid)
 ORDER BY n.nspname COLLATE "C", t.relname COLLATE "C", ic.relname COLLATE "C"
