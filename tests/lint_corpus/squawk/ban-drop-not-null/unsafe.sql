-- expect: drop-not-null
SET lock_timeout = '2s';
ALTER TABLE accounts ALTER COLUMN balance DROP NOT NULL;
