-- expect: timestamp-without-time-zone
CREATE TABLE audit_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_ts timestamp NOT NULL,
    modified_ts timestamp without time zone
);
