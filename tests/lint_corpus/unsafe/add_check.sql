-- expect: add-check-validates, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE ledger ADD CONSTRAINT ledger_amount_nonzero CHECK (amount <> 0);
