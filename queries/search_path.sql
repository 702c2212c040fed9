-- The schemas an unqualified table name is looked up in, in order (temp schema excluded).
SELECT pg_catalog.current_schemas(false) AS schemas
