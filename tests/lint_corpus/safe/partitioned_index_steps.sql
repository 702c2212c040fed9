-- expect: nothing
-- An index on a partitioned table, built the way that never blocks writes (what advisor writes).
SET lock_timeout = '5s';
CREATE INDEX IF NOT EXISTS events_kind_idx ON ONLY public.events (kind);
RESET lock_timeout;
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2024_kind_idx ON public.events_2024 (kind);
SET lock_timeout = '5s';
ALTER INDEX public.events_kind_idx ATTACH PARTITION public.events_2024_kind_idx;
RESET lock_timeout;
