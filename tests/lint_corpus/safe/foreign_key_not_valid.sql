-- expect: nothing
SET lock_timeout = '2s';
ALTER TABLE ledger ADD CONSTRAINT ledger_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;
ALTER TABLE ledger VALIDATE CONSTRAINT ledger_account_id_fkey;
