-- expect: volatile-default
SET lock_timeout = '2s';
ALTER TABLE ledger ADD COLUMN seq bigserial;
