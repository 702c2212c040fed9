-- One row describing the server and what this role may see.
SELECT pg_catalog.current_setting('server_version_num')::int AS version_num,
       pg_catalog.current_setting('server_version') AS version,
       pg_catalog.current_database() AS database,
       current_user AS role,
       pg_catalog.pg_is_in_recovery() AS in_recovery,
       -- the library defines its settings only when it is loaded (any role may look)
       EXISTS (SELECT 1 FROM pg_catalog.pg_settings
                WHERE name = 'pg_stat_statements.max') AS pgss_loaded,
       (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
       pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS read_all_stats,
       (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'hypopg') AS hypopg_version,
       (SELECT n.nspname FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'hypopg') AS hypopg_schema,
       (SELECT a.default_version FROM pg_catalog.pg_available_extensions a
         WHERE a.name = 'hypopg') AS hypopg_available,
       (SELECT n.nspname FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_stat_statements') AS pgss_schema,
       pg_catalog.pg_postmaster_start_time() AS postmaster_start,
       (SELECT d.stats_reset FROM pg_catalog.pg_stat_database d
         WHERE d.datname = pg_catalog.current_database()) AS table_stats_reset
