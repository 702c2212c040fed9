SET lock_timeout = '2s';
ALTER TABLE legacy_items ADD CONSTRAINT legacy_items_pkey PRIMARY KEY USING INDEX legacy_items_pkey;
