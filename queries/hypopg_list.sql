-- The oids of this session's hypothetical indexes.
SELECT indexrelid FROM {hypopg}.hypopg()
