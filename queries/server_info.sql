-- One row of facts about the server, this database and what this role may see. Every module that
-- needs one of them reads this row: where the session is tracked, pg_stat_statements keeps one
-- entry for all of them (issue 16), and a handful of scalar subqueries cost nothing to repeat.
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
       -- this database's cumulative statistics (idx_scan among them): counting since their last
       -- reset, else at least since the server started
       (SELECT d.stats_reset FROM pg_catalog.pg_stat_database d
         WHERE d.datname = pg_catalog.current_database()) AS table_stats_reset,
       -- the cluster's system identifier (pg_control), which tells one cluster from another even
       -- when their databases share a name; text, since it does not fit a JSON number. NULL where
       -- the role may not read pg_control (the subquery runs only when the guard lets it).
       CASE WHEN pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
            THEN (SELECT c.system_identifier::text FROM pg_catalog.pg_control_system() c)
       END AS system_identifier,
       -- the schemas an unqualified table name is looked up in, in order (temp schema excluded)
       pg_catalog.current_schemas(false) AS schemas,
       -- extensions created in this database, and the ones the server could create
       ARRAY(SELECT e.extname::text FROM pg_catalog.pg_extension e ORDER BY 1) AS extensions,
       ARRAY(SELECT a.name::text FROM pg_catalog.pg_available_extensions a
              WHERE a.installed_version IS NULL ORDER BY 1) AS available_extensions
