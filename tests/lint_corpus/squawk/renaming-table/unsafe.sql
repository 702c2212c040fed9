-- expect: rename
SET lock_timeout = '2s';
ALTER TABLE accounts RENAME TO customer_accounts;
