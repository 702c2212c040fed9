SET lock_timeout = '2s';
ALTER TABLE ledger ADD COLUMN IF NOT EXISTS user_id_new bigint;
