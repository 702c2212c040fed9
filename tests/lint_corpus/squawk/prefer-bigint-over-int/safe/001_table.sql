CREATE TABLE posts (id bigint PRIMARY KEY, body text NOT NULL);
