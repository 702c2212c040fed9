-- Retention: drop one database's snapshots older than a time (rows go by ON DELETE CASCADE).
DELETE FROM advisor_snapshot
 WHERE system_id = %s AND database_name = %s AND taken_at < %s
