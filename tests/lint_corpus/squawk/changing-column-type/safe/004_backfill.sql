UPDATE ledger SET user_id_new = user_id WHERE user_id_new IS NULL AND id BETWEEN 1 AND 10000;
