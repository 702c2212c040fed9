-- The session's pg_stat_statements level (none, top, all); NULL when the library is not loaded.
SELECT pg_catalog.current_setting(%(name)s, %(missing_ok)s)
