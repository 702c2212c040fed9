-- expect: reindex-not-concurrently, missing-statement-timeout
SET lock_timeout = '2s';
REINDEX INDEX ledger_booked_idx;
