CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS legacy_items_pkey ON legacy_items (id);
