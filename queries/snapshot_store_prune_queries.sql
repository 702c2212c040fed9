-- Retention: statement texts no stored snapshot of their database refers to any more.
DELETE FROM advisor_query
 WHERE system_id = %s AND database_name = %s
   AND NOT EXISTS (SELECT 1
                     FROM advisor_snapshot_statement s
                     JOIN advisor_snapshot n ON n.id = s.snapshot_id
                    WHERE n.system_id = advisor_query.system_id
                      AND n.database_name = advisor_query.database_name
                      AND s.queryid = advisor_query.queryid)
