-- expect: transaction-nesting
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN archived boolean;
BEGIN;
ALTER TABLE accounts ADD COLUMN archived_at timestamptz;
COMMIT;
COMMIT;
