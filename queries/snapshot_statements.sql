-- pg_stat_statements counters of the connected database per (user, queryid), top-level and
-- nested entries summed; {pgss} is the view, schema-qualified. Columns exist from 13 on.
SELECT s.userid::int8 AS userid,
       s.queryid,
       pg_catalog.max(s.query) AS query,
       pg_catalog.sum(s.calls)::int8 AS calls,
       pg_catalog.sum(s.total_exec_time)::float8 AS total_exec_ms,
       pg_catalog.sum(s.total_plan_time)::float8 AS total_plan_ms,
       pg_catalog.sum(s.rows)::int8 AS rows,
       pg_catalog.sum(s.shared_blks_hit)::int8 AS shared_blks_hit,
       pg_catalog.sum(s.shared_blks_read)::int8 AS shared_blks_read,
       pg_catalog.sum(s.temp_blks_written)::int8 AS temp_blks_written
  FROM {pgss} AS s
  JOIN pg_catalog.pg_database d ON d.oid = s.dbid
 WHERE d.datname = pg_catalog.current_database()
   AND s.queryid IS NOT NULL
 GROUP BY s.userid, s.queryid
