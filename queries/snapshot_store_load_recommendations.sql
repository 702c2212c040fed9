-- Every stored recommendation of one database, oldest first.
SELECT r.snapshot_id, n.taken_at, r.schema_name, r.table_name, r.index_name, r.method,
       r.keys_json, r.create_sql, r.queryids_json
  FROM advisor_recommendation r
  JOIN advisor_snapshot n ON n.id = r.snapshot_id
 WHERE n.system_id = %s AND n.database_name = %s
 ORDER BY n.taken_at, r.index_name
