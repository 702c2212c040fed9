-- expect: nothing
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN nickname text;
ALTER TABLE accounts ADD COLUMN status text NOT NULL DEFAULT 'active';
ALTER TABLE accounts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
