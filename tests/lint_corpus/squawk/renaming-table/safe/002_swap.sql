-- once no running code uses the old name
SET lock_timeout = '2s';
BEGIN;
DROP VIEW customer_accounts;
ALTER TABLE accounts RENAME TO customer_accounts;
COMMIT;
