UPDATE accounts SET view_count = 0 WHERE view_count IS NULL AND id BETWEEN 1 AND 10000;
