ALTER TABLE ledger VALIDATE CONSTRAINT ledger_account_fk;
