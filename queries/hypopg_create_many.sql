-- Create hypothetical indexes from their CREATE INDEX texts (one text array literal), in the
-- array's order (their oids follow it, and the planner breaks cost ties by index oid), with
-- HypoPG's estimate of each one's size in bytes.
SELECT h.indexrelid, h.indexname, {hypopg}.hypopg_relation_size(h.indexrelid) AS size_bytes
  FROM unnest({statements}::text[]) WITH ORDINALITY AS s(statement, n)
 CROSS JOIN LATERAL {hypopg}.hypopg_create_index(s.statement) AS h
 ORDER BY s.n
