-- existing rows, in batches (one migration per batch, or a script)
UPDATE accounts SET ab_group = DEFAULT WHERE ab_group IS NULL AND id BETWEEN 1 AND 10000;
