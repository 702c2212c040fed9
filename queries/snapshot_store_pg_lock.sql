-- PostgreSQL store: serialize concurrent writers (schema creation, snapshots) for one transaction.
SELECT pg_catalog.pg_advisory_xact_lock(%s)
