INSERT INTO advisor_snapshot (id, system_id, database_name, taken_at, server_version, pgss_reset,
                              stats_reset, database_size, statements, calls, total_exec_ms)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
