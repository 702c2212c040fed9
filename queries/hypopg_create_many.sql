-- Create hypothetical indexes from their CREATE INDEX texts (a text array literal), in the
-- array's order: their oids follow it, and the planner breaks cost ties by index oid.
SELECT h.indexrelid, h.indexname
  FROM unnest({statements}::text[]) WITH ORDINALITY AS s(statement, n)
 CROSS JOIN LATERAL {hypopg}.hypopg_create_index(s.statement) AS h
 ORDER BY s.n
