SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS billing_email text;
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_billing_email_idx ON accounts (billing_email);
