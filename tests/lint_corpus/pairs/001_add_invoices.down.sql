SET lock_timeout = '2s';
ALTER TABLE accounts RENAME COLUMN full_name TO name;
ALTER TABLE accounts DROP COLUMN nickname;
DROP TABLE invoices;
