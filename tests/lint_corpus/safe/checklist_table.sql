-- expect: nothing
-- A new table as the checklist wants it: bigint identity key, numeric money with its currency,
-- timestamptz, an index for the foreign key.
BEGIN;
CREATE TABLE order_lines (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    unit_price numeric(19, 4) NOT NULL,
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    quantity integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_lines_account_id_idx ON order_lines (account_id);
COMMIT;
