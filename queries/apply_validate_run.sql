-- Run one statement for real, without sending its rows back: the executor's own time is
-- "Execution Time" (planning is apart). TIMING OFF: no per-node clock reads.
EXPLAIN (ANALYZE, TIMING OFF, BUFFERS OFF, FORMAT JSON) {statement}
