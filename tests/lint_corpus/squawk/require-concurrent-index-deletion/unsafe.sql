-- expect: drop-index-not-concurrently
SET lock_timeout = '2s';
DROP INDEX ledger_memo_idx;
