-- Drop the hypothetical indexes whose oids are given (a text array literal).
SELECT {hypopg}.hypopg_drop_index(o) FROM unnest({oids}::oid[]) AS o
