-- expect: missing-lock-timeout
ALTER TABLE accounts ADD COLUMN nickname text;
