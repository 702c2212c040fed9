-- The snapshots of one database, oldest first.
SELECT id, system_id, database_name, taken_at, server_version, pgss_reset, stats_reset,
       database_size, statements, calls, total_exec_ms
  FROM advisor_snapshot
 WHERE system_id = %s AND database_name = %s
 ORDER BY taken_at, id
