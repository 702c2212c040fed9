-- expect: add-column-not-null-without-default
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN public boolean NOT NULL;
