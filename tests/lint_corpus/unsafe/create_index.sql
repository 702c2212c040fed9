-- expect: create-index-not-concurrently, missing-statement-timeout
SET lock_timeout = '2s';
CREATE INDEX ledger_account_id_idx ON ledger (account_id);
