-- a constant default is only recorded in the catalog (PostgreSQL 11+)
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS tier integer DEFAULT 10;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS ab_group integer;
ALTER TABLE accounts ALTER COLUMN ab_group SET DEFAULT (random() * 10)::integer;
