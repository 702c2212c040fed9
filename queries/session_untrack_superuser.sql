-- Turn pg_stat_statements off for this session where the role may set it (PostgreSQL 13 and 14:
-- a superuser only); returns the level in force afterwards, NULL when the library is not
-- loaded. Every value is a parameter: pg_stat_statements stores a statement with a literal at
-- parse time, before the setting could take effect.
SELECT CASE WHEN pg_catalog.current_setting(%(name)s, %(missing_ok)s) IS NOT NULL
             AND pg_catalog.current_setting(%(superuser)s)::boolean
            THEN pg_catalog.set_config(%(name)s, %(value)s, %(is_local)s)
            ELSE pg_catalog.current_setting(%(name)s, %(missing_ok)s)
       END AS track
