-- expect: type-change-rewrite, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE ledger ALTER COLUMN user_id TYPE bigint;
