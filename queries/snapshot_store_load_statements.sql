SELECT s.userid, s.queryid, COALESCE(q.fingerprint, '') AS fingerprint,
       COALESCE(q.query, '') AS query, s.calls, s.total_exec_ms, s.total_plan_ms,
       s.rows_returned, s.shared_blks_hit, s.shared_blks_read, s.temp_blks_written
  FROM advisor_snapshot_statement s
  JOIN advisor_snapshot n ON n.id = s.snapshot_id
  LEFT JOIN advisor_query q
         ON q.system_id = n.system_id AND q.database_name = n.database_name
        AND q.queryid = s.queryid
 WHERE s.snapshot_id = %s
