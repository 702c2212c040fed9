-- One table's sizes (by oid); waits for its AccessShareLock (within the lock timeout).
-- TOAST is the TOAST table with its index; heap is the rest of pg_table_size (main, FSM, VM).
SELECT pg_catalog.pg_table_size(c.oid) - t.toast_bytes AS heap_bytes,
       pg_catalog.pg_indexes_size(c.oid) AS index_bytes,
       t.toast_bytes
  FROM pg_catalog.pg_class c
 CROSS JOIN LATERAL (
       SELECT CASE WHEN c.reltoastrelid = 0 THEN 0
                   ELSE pg_catalog.pg_total_relation_size(c.reltoastrelid) END AS toast_bytes
       ) t
 WHERE c.oid = %s
