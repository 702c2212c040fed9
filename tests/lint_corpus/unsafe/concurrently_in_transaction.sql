-- expect: concurrently-in-transaction, not-rerunnable
BEGIN;
CREATE INDEX CONCURRENTLY ledger_booked_at_idx ON ledger (booked_at);
COMMIT;
