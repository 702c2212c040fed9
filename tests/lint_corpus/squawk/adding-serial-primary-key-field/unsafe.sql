-- expect: volatile-default, unique-constraint-without-index, prefer-identity, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE legacy_items ADD COLUMN item_no bigserial PRIMARY KEY;
