-- What apply checks before it writes: a hot standby cannot build indexes, and who we are.
SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
       pg_catalog.current_setting('server_version_num')::int AS version_num,
       pg_catalog.current_database() AS database,
       pg_catalog.pg_backend_pid() AS pid
