-- expect: create-index-not-concurrently, missing-statement-timeout
SET lock_timeout = '2s';
CREATE INDEX accounts_email_idx ON accounts (email);
