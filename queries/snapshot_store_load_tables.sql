SELECT rel_oid, schema_name, table_name, seq_scan, seq_tup_read, idx_scan, n_tup_ins, n_tup_upd,
       n_tup_del, n_tup_hot_upd, n_live_tup, n_dead_tup, heap_bytes, index_bytes, toast_bytes
  FROM advisor_snapshot_table
 WHERE snapshot_id = %s
