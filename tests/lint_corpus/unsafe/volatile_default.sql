-- expect: volatile-default, missing-statement-timeout
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN api_token uuid NOT NULL DEFAULT gen_random_uuid();
