SET lock_timeout = '2s';
ALTER TABLE accounts ADD CONSTRAINT view_count_not_null
    CHECK (view_count IS NOT NULL) NOT VALID;
