-- Create one hypothetical index from its CREATE INDEX text (bound as a parameter), with HypoPG's
-- estimate of its size in bytes: one statement (and one round trip) for both.
SELECT h.indexrelid, h.indexname, {hypopg}.hypopg_relation_size(h.indexrelid) AS size_bytes
  FROM {hypopg}.hypopg_create_index(%s) h
