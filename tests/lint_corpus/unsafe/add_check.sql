-- expect: add-check-validates
SET lock_timeout = '2s';
ALTER TABLE ledger ADD CONSTRAINT ledger_amount_nonzero CHECK (amount <> 0);
