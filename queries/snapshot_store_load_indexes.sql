SELECT rel_oid, schema_name, table_name, index_name, method, keys_json, definition, is_unique,
       is_primary, is_valid, scans, tup_read, size_bytes
  FROM advisor_snapshot_index
 WHERE snapshot_id = %s
