INSERT INTO advisor_snapshot_index (snapshot_id, rel_oid, schema_name, table_name, index_name,
                                    method, keys_json, definition, is_unique, is_primary,
                                    is_valid, scans, tup_read, size_bytes)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
