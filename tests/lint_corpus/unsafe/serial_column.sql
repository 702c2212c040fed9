-- expect: volatile-default, prefer-identity, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE ledger ADD COLUMN seq bigserial;
