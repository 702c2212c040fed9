-- expect: unique-constraint-without-index, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);
