SET lock_timeout = '2s';
ALTER TABLE accounts DROP CONSTRAINT accounts_status_check;
