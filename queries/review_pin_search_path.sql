-- For the rest of this transaction, resolve and print names against pg_catalog only, so that
-- pg_get_indexdef qualifies every function, operator, type and collation outside pg_catalog and
-- its definition means the same thing in any session that replays it.
SELECT pg_catalog.set_config('search_path', 'pg_catalog', true)
