-- expect: nothing
-- CONCURRENTLY takes a SHARE UPDATE EXCLUSIVE lock: traffic goes on, no lock_timeout needed.
CREATE INDEX CONCURRENTLY IF NOT EXISTS ledger_account_id_idx ON ledger (account_id);
DROP INDEX CONCURRENTLY IF EXISTS ledger_old_idx;
