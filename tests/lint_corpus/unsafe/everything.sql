-- expect: missing-lock-timeout, drop-column, create-index-not-concurrently, add-check-validates, rename, missing-statement-timeout, not-rerunnable
ALTER TABLE accounts DROP COLUMN legacy_flag;
CREATE INDEX ON ledger (booked_at);
ALTER TABLE ledger ADD CHECK (amount < 1000000);
ALTER TABLE ledger RENAME COLUMN memo TO note;
