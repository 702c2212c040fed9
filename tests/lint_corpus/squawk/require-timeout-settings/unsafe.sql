-- expect: missing-lock-timeout
ALTER TABLE accounts ADD COLUMN archived boolean;
