-- keep NOT NULL; a default stands for "nothing yet"
SET lock_timeout = '2s';
ALTER TABLE accounts ALTER COLUMN balance SET DEFAULT 0;
