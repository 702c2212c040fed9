-- expect: nothing
SET lock_timeout = '2s';
-- the column has not been read since release 41; advisor:ignore drop-column
ALTER TABLE accounts DROP COLUMN legacy_flag;
CREATE INDEX ledger_memo_idx ON ledger (memo); -- advisor:ignore create-index-not-concurrently
