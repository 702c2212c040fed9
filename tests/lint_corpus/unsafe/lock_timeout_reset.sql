-- expect: missing-lock-timeout, not-rerunnable
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN nickname text;
RESET lock_timeout;
ALTER TABLE ledger ADD COLUMN memo text;
