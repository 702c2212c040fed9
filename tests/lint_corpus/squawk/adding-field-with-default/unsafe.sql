-- expect: volatile-default, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN ab_group integer DEFAULT (random() * 10)::integer;
