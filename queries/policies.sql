-- Row-level security policies, with their predicates as SQL text.
SELECT p.schemaname AS schema,
       p.tablename AS table_name,
       p.policyname AS name,
       p.permissive,
       p.roles::text[] AS roles,
       p.cmd,
       p.qual,
       p.with_check
  FROM pg_catalog.pg_policies p
