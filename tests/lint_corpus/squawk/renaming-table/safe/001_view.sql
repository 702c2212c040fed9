-- the application moves to the new name, through an updatable view
CREATE OR REPLACE VIEW customer_accounts AS SELECT * FROM accounts;
