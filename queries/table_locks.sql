-- Locks held or awaited on one table or its indexes (oids bound as an array), other sessions only,
-- with what each session is doing and which sessions block it.
SELECT l.pid,
       l.relation::regclass::text AS relation,
       l.mode,
       l.granted,
       a.usename AS username,
       a.application_name,
       a.state,
       a.wait_event_type,
       a.wait_event,
       EXTRACT(epoch FROM pg_catalog.now() - a.xact_start)::float8 AS xact_seconds,
       EXTRACT(epoch FROM pg_catalog.now() - a.query_start)::float8 AS query_seconds,
       a.query,
       pg_catalog.pg_blocking_pids(l.pid) AS blocked_by
  FROM pg_catalog.pg_locks l
  LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'relation'
   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                      WHERE d.datname = pg_catalog.current_database())
   AND l.relation = ANY (%s)
   AND l.pid <> pg_catalog.pg_backend_pid()
 ORDER BY l.granted DESC, a.xact_start, l.pid
