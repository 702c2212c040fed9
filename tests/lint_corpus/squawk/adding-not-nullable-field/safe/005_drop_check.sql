SET lock_timeout = '2s';
ALTER TABLE accounts DROP CONSTRAINT IF EXISTS view_count_not_null;
