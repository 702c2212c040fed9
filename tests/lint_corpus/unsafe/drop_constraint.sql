-- expect: drop-constraint
SET lock_timeout = '2s';
ALTER TABLE ledger DROP CONSTRAINT ledger_amount_check;
