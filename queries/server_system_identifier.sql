-- The cluster's system identifier (pg_control), which tells one cluster from another even when
-- their databases share a name; text, since it does not fit a JSON number.
SELECT system_identifier::text AS system_identifier
  FROM pg_catalog.pg_control_system()
