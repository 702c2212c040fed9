-- The structure of every index on a user table, for the index review: key columns and
-- expressions (node trees, compared without their parse locations), operator classes,
-- collations, sort options, predicate, and what the index is bound to (constraints, replica
-- identity, partitioning, extensions, a build in progress).
SELECT i.indexrelid AS oid,
       i.indrelid AS table_oid,
       n.nspname AS schema,
       t.relname AS table_name,
       t.relkind AS table_kind,
       ic.relname AS name,
       ic.relkind AS index_kind,
       am.amname AS method,
       i.indnkeyatts AS key_count,
       i.indkey::pg_catalog.int2[] AS attnums,
       i.indclass::pg_catalog.oid[] AS opclasses,
       i.indcollation::pg_catalog.oid[] AS collations,
       i.indoption::pg_catalog.int2[] AS options,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
               FROM pg_catalog.generate_series(1, i.indnatts::int) AS k
              ORDER BY k) AS column_texts,
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
              WHERE c.conindid = i.indexrelid
              ORDER BY c.conname) AS constraints,
       EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h
                WHERE h.inhrelid = i.indexrelid) AS is_partition,
       (SELECT h.inhparent FROM pg_catalog.pg_inherits h
         WHERE h.inhrelid = i.indexrelid) AS parent_oid,
       -- an index on a partitioned table: the leaf indexes attached below it, at any depth
       ARRAY(SELECT t.relid::pg_catalog.oid
               FROM pg_catalog.pg_partition_tree(i.indexrelid) t
              WHERE t.isleaf AND ic.relkind = 'I'
              ORDER BY t.relid) AS leaf_oids,
       EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                  AND d.objid = i.indexrelid AND d.deptype = 'e') AS extension_member,
       EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p
                WHERE p.index_relid = i.indexrelid) AS building
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
 ORDER BY n.nspname COLLATE "C", t.relname COLLATE "C", ic.relname COLLATE "C"
