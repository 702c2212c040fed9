-- expect: drop-table
SET lock_timeout = '2s';
DROP TABLE staging_b;
