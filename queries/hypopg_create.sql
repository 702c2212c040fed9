-- Create one hypothetical index from its CREATE INDEX text (bound as a parameter).
SELECT indexrelid, indexname FROM {hypopg}.hypopg_create_index(%s)
