-- pg_stat_statements rows of the connected database; {pgss} is the view, schema-qualified.
-- Columns named as in PostgreSQL 13+ (total_exec_time replaced total_time in 13).
SELECT s.queryid,
       s.query,
       s.calls,
       s.total_exec_time,
       s.rows,
       s.userid
  FROM {pgss} AS s
  JOIN pg_catalog.pg_database d ON d.oid = s.dbid
 WHERE d.datname = pg_catalog.current_database()
   AND s.calls > 0
