-- The definitions of the given indexes, to be read with quote_all_identifiers on: every name is
-- quoted, so that a parser whose grammar is newer than the server's reads each one as a name.
-- PostgreSQL 13-15 print a column named system_user bare (not a keyword there); the grammar
-- of 16+ (pglast's) reads that word as the SYSTEM_USER function. Run after search_path is
-- pinned to pg_catalog, as catalog_indexes is.
SELECT i.indexrelid AS oid,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_catalog.pg_index i
 WHERE i.indexrelid = ANY (%(oids)s::pg_catalog.oid[])
