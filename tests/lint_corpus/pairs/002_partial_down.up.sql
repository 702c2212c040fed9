SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN status text NOT NULL DEFAULT 'active';
ALTER TABLE accounts ADD CONSTRAINT accounts_status_check CHECK (status IN ('active', 'closed')) NOT VALID;
CREATE INDEX CONCURRENTLY accounts_status_idx ON accounts (status);
ALTER TYPE account_kind ADD VALUE 'partner';
