-- Set one setting for the session (or, with is_local, for the current transaction). One text for
-- every setting the advisor changes: where the session is tracked, pg_stat_statements keeps one
-- entry for all of them.
SELECT pg_catalog.set_config(%(name)s, %(value)s, %(is_local)s)
