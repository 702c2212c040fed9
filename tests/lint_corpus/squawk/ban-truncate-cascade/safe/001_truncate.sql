SET lock_timeout = '2s';
TRUNCATE staging_b, staging_a;
