-- expect: nothing
CREATE INDEX CONCURRENTLY IF NOT EXISTS ledger_account_id_idx ON ledger (account_id);
SET lock_timeout = '2s';
ALTER TABLE ledger DROP CONSTRAINT IF EXISTS ledger_account_id_fkey;
ALTER TABLE ledger ADD CONSTRAINT ledger_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;
ALTER TABLE ledger VALIDATE CONSTRAINT ledger_account_id_fkey;
