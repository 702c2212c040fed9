-- expect: add-foreign-key-validates, fk-without-index, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE ledger ADD CONSTRAINT ledger_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES accounts (id);
