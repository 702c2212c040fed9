-- expect: missing-lock-timeout
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN nickname text;
RESET lock_timeout;
ALTER TABLE ledger ADD COLUMN memo text;
