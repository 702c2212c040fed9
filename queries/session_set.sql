-- Set one setting for the session (or, with is_local, for the current transaction); returns the
-- value it had before (NULL for a placeholder nobody set), read first by the materialized CTE.
-- One text for every setting the advisor changes: where the session is tracked,
-- pg_stat_statements keeps one entry for all of them.
WITH before AS MATERIALIZED (
    SELECT pg_catalog.current_setting(%(name)s, %(missing_ok)s) AS previous
)
SELECT before.previous, pg_catalog.set_config(%(name)s, %(value)s, %(is_local)s) AS value
  FROM before
