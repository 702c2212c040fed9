INSERT INTO advisor_snapshot_statement (snapshot_id, userid, queryid, calls, total_exec_ms,
                                        total_plan_ms, rows_returned, shared_blks_hit,
                                        shared_blks_read, temp_blks_written)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
