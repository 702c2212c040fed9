-- Volatility of every function with one of the given names (i immutable, s stable, v volatile),
-- one row per overload; the caller decides what an unqualified name resolves to.
SELECT n.nspname AS schema,
       p.proname AS name,
       p.provolatile AS volatility
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.proname = ANY(%(names)s::text[])
