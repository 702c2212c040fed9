CREATE TABLE audit_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_ts timestamptz NOT NULL,
    modified_ts timestamptz
);
