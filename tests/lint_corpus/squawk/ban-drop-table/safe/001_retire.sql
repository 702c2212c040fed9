COMMENT ON TABLE staging_b IS 'unused since release 41; drop in release 43';
