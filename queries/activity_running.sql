-- Statements of the connected database that have been running for at least min_running_s
-- seconds, except our own: one row per busy client backend. (pid, query_start) names one run.
-- max_length is track_activity_query_size: a text that long was cut off by the server.
SELECT a.pid,
       a.query_start,
       a.query,
       pg_catalog.date_part('epoch', pg_catalog.statement_timestamp() - a.query_start)
           AS running_s,
       (SELECT s.setting::int4
          FROM pg_catalog.pg_settings AS s
         WHERE s.name = 'track_activity_query_size') AS max_length
  FROM pg_catalog.pg_stat_activity AS a
 WHERE a.datname = pg_catalog.current_database()
   AND a.state = 'active'
   AND a.backend_type = 'client backend'
   AND a.pid <> pg_catalog.pg_backend_pid()
   AND a.query_start <= pg_catalog.statement_timestamp()
                        - pg_catalog.make_interval(secs => %(min_running_s)s)
