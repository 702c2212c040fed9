-- expect: add-check-validates, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0);
