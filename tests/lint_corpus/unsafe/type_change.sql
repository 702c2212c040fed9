-- expect: type-change-rewrite, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE ledger ALTER COLUMN account_id TYPE bigint;
