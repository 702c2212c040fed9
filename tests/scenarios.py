"""A shop schema where each scenario of the analysis has one table or statement to itself."""

from __future__ import annotations

SHOP_SCHEMA = """
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    country text NOT NULL,
    is_active boolean NOT NULL
);
INSERT INTO customers
SELECT g, 'User' || g || '@Example.com', (ARRAY['de','fr','nl','lu'])[1 + g % 4], g % 2 = 0
  FROM generate_series(1, 50000) g;

CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    total numeric(12, 2) NOT NULL
);
INSERT INTO orders
SELECT g, 1 + (hashint4(g) & 2147483647) % 50000, (ARRAY['new','paid','shipped'])[1 + g % 3],
       timestamptz '2024-01-01' + g * interval '1 minute', (g % 1000) / 10.0
  FROM generate_series(1, 200000) g;

CREATE TABLE events (
    id bigint PRIMARY KEY,
    account_id int NOT NULL,
    kind text NOT NULL,
    at timestamptz NOT NULL,
    payload text
);
INSERT INTO events
SELECT g, (hashint4(g) & 2147483647) % 2000, 'k' || g % 7,
       timestamptz '2024-01-01' + (hashint4(g * 7) & 2147483647) % 10000000 * interval '1 second',
       repeat('x', 40)
  FROM generate_series(1, 200000) g;

CREATE SCHEMA billing;
CREATE TABLE billing.invoices (
    id bigint PRIMARY KEY,
    order_id bigint NOT NULL,
    due_on date NOT NULL,
    amount numeric(12, 2) NOT NULL
);
INSERT INTO billing.invoices
SELECT g, g * 2, date '2024-01-01' + g % 365, g % 500 FROM generate_series(1, 100000) g;

CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."UserAccounts" (
    "AccountId" bigint PRIMARY KEY,
    "EmailAddr" text NOT NULL,
    "select" text
);
INSERT INTO "Sales"."UserAccounts"
SELECT g, 'acct' || g || '@example.org', 'v' || g FROM generate_series(1, 50000) g;

CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
INSERT INTO countries
VALUES ('de', 'Germany'), ('fr', 'France'), ('nl', 'Netherlands'), ('lu', 'Luxembourg');
"""
