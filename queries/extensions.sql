-- Extensions created in this database, and the ones the server could create.
SELECT e.extname AS name, true AS created
  FROM pg_catalog.pg_extension e
UNION ALL
SELECT a.name, false
  FROM pg_catalog.pg_available_extensions a
 WHERE a.installed_version IS NULL
