UPDATE accounts SET display_name = nickname WHERE display_name IS NULL AND id BETWEEN 1 AND 10000;
