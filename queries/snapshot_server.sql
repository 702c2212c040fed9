-- Who and when: the cluster's system identifier, the database, the time and its reset marker.
SELECT c.system_identifier::text AS system_id,
       pg_catalog.current_database() AS database,
       pg_catalog.now() AS taken_at,
       pg_catalog.current_setting('server_version') AS server_version,
       (SELECT d.stats_reset FROM pg_catalog.pg_stat_database d
         WHERE d.datname = pg_catalog.current_database()) AS stats_reset,
       pg_catalog.pg_database_size(pg_catalog.current_database()) AS database_size
  FROM pg_catalog.pg_control_system() AS c
