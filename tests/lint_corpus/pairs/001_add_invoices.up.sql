CREATE TABLE IF NOT EXISTS invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id bigint NOT NULL);
CREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_account_id_idx ON invoices (account_id);
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS nickname text;
ALTER TABLE accounts RENAME COLUMN name TO full_name;
