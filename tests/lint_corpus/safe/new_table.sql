-- expect: nothing
-- Everything on a table this migration creates is safe: nobody uses it yet.
BEGIN;
CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL,
    total numeric(19, 4) NOT NULL,
    currency text NOT NULL
);
CREATE INDEX invoices_account_id_idx ON invoices (account_id);
ALTER TABLE invoices ADD CONSTRAINT invoices_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE invoices ADD COLUMN due_at timestamptz NOT NULL;
COMMIT;
