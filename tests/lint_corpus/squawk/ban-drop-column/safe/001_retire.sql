-- stop using it first; the drop comes in a later release
COMMENT ON COLUMN accounts.legacy_flag IS 'unused since release 41; drop in release 43';
