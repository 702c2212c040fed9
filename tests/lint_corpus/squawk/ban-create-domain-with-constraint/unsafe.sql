-- expect: domain-with-constraint
CREATE DOMAIN email_address AS text CHECK (VALUE ~ '@');
