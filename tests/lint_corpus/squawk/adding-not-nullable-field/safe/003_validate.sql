ALTER TABLE accounts VALIDATE CONSTRAINT view_count_not_null;
