-- expect: nothing
UPDATE accounts SET nickname = email WHERE nickname IS NULL AND id BETWEEN 1 AND 1000;
