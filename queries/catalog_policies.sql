-- Row-level security policies, for analyze (candidates that lead with a policy's columns) and
-- lint: command (r select, a insert, w update, d delete, * all),
-- permissive or restrictive, the roles they apply to ('public' for everyone), the USING and
-- WITH CHECK expressions as SQL text, and the policy comment.
SELECT pol.polname AS name,
       n.nspname AS schema,
       c.relname AS table_name,
       pol.polcmd AS command,
       pol.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public'
                         ELSE pg_catalog.pg_get_userbyid(r.oid)::text END
               FROM unnest(pol.polroles) AS r(oid)
              ORDER BY 1) AS roles,
       pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) AS using_sql,
       pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) AS check_sql,
       pg_catalog.obj_description(pol.oid, 'pg_policy') AS comment
  FROM pg_catalog.pg_policy pol
  JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
 ORDER BY n.nspname, c.relname, pol.polname
