-- the rule on the column that needs it: validated under a lock that lets writes through
SET lock_timeout = '2s';
ALTER TABLE ledger ADD CONSTRAINT ledger_amount_positive CHECK (amount > 0) NOT VALID;
