INSERT INTO advisor_recommendation (snapshot_id, schema_name, table_name, index_name, method,
                                    keys_json, create_sql, queryids_json)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (snapshot_id, schema_name, index_name) DO NOTHING
