-- expect: unique-constraint-without-index, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE legacy_items ADD PRIMARY KEY (id);
