-- expect: type-change-rewrite
SET lock_timeout = '2s';
ALTER TABLE ledger ALTER COLUMN account_id TYPE bigint;
