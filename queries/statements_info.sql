-- When pg_stat_statements was last reset (the view exists from PostgreSQL 14 / pgss 1.9).
SELECT stats_reset, pg_catalog.now() - stats_reset AS age FROM {pgss_info}
