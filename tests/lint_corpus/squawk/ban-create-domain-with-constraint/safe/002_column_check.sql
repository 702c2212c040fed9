SET lock_timeout = '2s';
ALTER TABLE accounts ADD CONSTRAINT accounts_email_shape CHECK (email ~ '@') NOT VALID;
