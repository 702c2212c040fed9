-- expect: nothing
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS nickname text;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'active';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
