CREATE INDEX CONCURRENTLY IF NOT EXISTS ledger_account_id_idx ON ledger (account_id);
