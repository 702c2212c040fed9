-- How the server writes its log: line prefix, destinations, time zone, message language.
SELECT s.name, s.setting
  FROM pg_catalog.pg_settings AS s
 WHERE s.name IN ('log_line_prefix', 'log_destination', 'log_timezone', 'lc_messages')
