-- expect: int-key, prefer-identity
CREATE TABLE tags (id smallserial PRIMARY KEY, label text NOT NULL);
