-- expect: detach-partition-not-concurrently
SET lock_timeout = '2s';
ALTER TABLE events DETACH PARTITION events_2024;
