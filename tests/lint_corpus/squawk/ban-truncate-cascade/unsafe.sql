-- expect: truncate-cascade
SET lock_timeout = '2s';
TRUNCATE staging_a CASCADE;
