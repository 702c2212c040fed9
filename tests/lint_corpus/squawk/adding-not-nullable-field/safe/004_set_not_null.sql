-- PostgreSQL 12+: the validated check spares the scan
SET lock_timeout = '2s';
ALTER TABLE accounts ALTER COLUMN view_count SET NOT NULL;
