-- varchar(n) to text is binary-coercible: the catalog changes, the table is not rewritten
SET lock_timeout = '2s';
ALTER TABLE accounts ALTER COLUMN email TYPE text;
