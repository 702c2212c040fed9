-- expect: not-rerunnable
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN billing_email text;
CREATE INDEX CONCURRENTLY accounts_billing_email_idx ON accounts (billing_email);
