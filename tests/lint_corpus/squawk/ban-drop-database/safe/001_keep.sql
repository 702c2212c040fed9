-- databases are dropped by hand, after a backup, not by a migration
COMMENT ON TABLE accounts IS 'customer accounts';
