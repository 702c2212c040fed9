-- expect: scan-under-held-lock
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE ledger ADD CONSTRAINT ledger_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE ledger VALIDATE CONSTRAINT ledger_amount_positive;
COMMIT;
