CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id bigint NOT NULL);
CREATE INDEX CONCURRENTLY invoices_account_id_idx ON invoices (account_id);
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN nickname text;
ALTER TABLE accounts RENAME COLUMN name TO full_name;
