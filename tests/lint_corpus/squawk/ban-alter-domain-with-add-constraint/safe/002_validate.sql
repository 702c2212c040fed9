ALTER TABLE ledger VALIDATE CONSTRAINT ledger_amount_positive;
