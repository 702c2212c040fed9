-- expect: set-not-null-scan, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE accounts ALTER COLUMN view_count SET NOT NULL;
