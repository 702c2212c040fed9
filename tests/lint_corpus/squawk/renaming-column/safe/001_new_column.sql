SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS display_name text;
