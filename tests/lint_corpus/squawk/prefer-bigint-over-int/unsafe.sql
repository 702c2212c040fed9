-- expect: int-key
CREATE TABLE posts (id int PRIMARY KEY, body text NOT NULL);
