-- Columns of user tables as one fact for every command: type (formatted, and by base name with
-- its typmod), nullability, default, identity and generated flags, comment, and the planner's
-- statistics (pg_stats, null when never analysed) with what index size estimates need.
-- A partitioned table only has statistics over its whole tree (inherited), once ANALYZEd by hand.
SELECT a.attrelid AS table_oid,
       a.attname AS name,
       a.attnum,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       st.n_distinct::float8 AS n_distinct,
       st.null_frac::float8 AS null_frac,
       st.correlation::float8 AS correlation,
       st.avg_width,
       -- the rows the most common values cover: with null_frac, all of them when ANALYZE saw
       -- every value of the column (its n_distinct is then a count, not an estimate)
       (SELECT pg_catalog.sum(f) FROM pg_catalog.unnest(st.most_common_freqs) AS f)::float8
         AS mcv_share,
       a.attlen AS type_length,
       -- B-tree deduplication needs an "equalimage" support function (numeric, float and
       -- interval have none: equal values can differ in their bytes)
       EXISTS (SELECT 1
                 FROM pg_catalog.pg_opclass opc
                 JOIN pg_catalog.pg_am am ON am.oid = opc.opcmethod AND am.amname = 'btree'
                 JOIN pg_catalog.pg_amproc ap
                   ON ap.amprocfamily = opc.opcfamily AND ap.amprocnum = 4
                  AND ap.amproclefttype = opc.opcintype
                WHERE opc.opcdefault
                  AND opc.opcintype = CASE WHEN a.atttypid = 'pg_catalog.varchar'::pg_catalog.regtype
                                           THEN 'pg_catalog.text'::pg_catalog.regtype
                                           ELSE a.atttypid::pg_catalog.regtype END) AS dedup,
       t.typname AS type_name,
       tn.nspname AS type_schema,
       t.typtype AS type_kind,
       a.atttypmod AS typmod,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_sql,
       a.attidentity AS identity,
       a.attgenerated AS generated,
       pg_catalog.col_description(a.attrelid, a.attnum) AS comment,
       -- the type the default B-tree operator class takes (as the server picks it: the type
       -- itself, else the preferred type it is binary-coercible to): a varchar or a domain over
       -- text is indexed as text, so a plan's (col)::text only relabels it
       (SELECT pg_catalog.format_type(opc.opcintype, NULL)
          FROM pg_catalog.pg_opclass opc
          JOIN pg_catalog.pg_am am ON am.oid = opc.opcmethod AND am.amname = 'btree'
          JOIN pg_catalog.pg_type it ON it.oid = opc.opcintype
         WHERE opc.opcdefault
           AND (opc.opcintype = base.oid
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast k
                            WHERE k.castsource = base.oid AND k.casttarget = opc.opcintype
                              AND k.castmethod = 'b'))
         ORDER BY opc.opcintype = base.oid DESC, it.typispreferred DESC
         LIMIT 1) AS index_type
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
  JOIN pg_catalog.pg_type base
    ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_catalog.pg_stats st
         ON st.schemaname = n.nspname AND st.tablename = c.relname
        AND st.attname = a.attname AND st.inherited = (c.relkind = 'p')
 WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum
