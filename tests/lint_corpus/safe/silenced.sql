-- expect: nothing
SET lock_timeout = '2s';
-- the column has not been read since release 41; advisor:ignore drop-column
ALTER TABLE accounts DROP COLUMN IF EXISTS legacy_flag;
-- a small table, built in a quiet hour; advisor:ignore create-index-not-concurrently, missing-statement-timeout
CREATE INDEX ledger_memo_idx ON ledger (memo);
