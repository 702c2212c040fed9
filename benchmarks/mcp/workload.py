"""A small shop and twenty statements about it: what an assistant hands ``analyze_queries``.

Five tables sized from one figure (``rows`` orders), with primary and foreign keys only, and
twenty distinct statements: lookups, ranges, top-N, joins, aggregates, an expression, a partial
predicate, an UPDATE and a DELETE; some with ``$n`` parameters (as pg_stat_statements shows
them), some with literals (as a person pastes them).
"""

from __future__ import annotations

from typing import LiteralString

SCHEMA: LiteralString = """
CREATE TABLE customers (
    id bigint PRIMARY KEY, email text NOT NULL, region text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE products (
    id bigint PRIMARY KEY, sku text NOT NULL, category text NOT NULL, price numeric(10, 2) NOT NULL
);
CREATE TABLE orders (
    id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL, created_at timestamptz NOT NULL, total numeric(12, 2) NOT NULL,
    shipped_at timestamptz
);
CREATE TABLE order_items (
    order_id bigint NOT NULL REFERENCES orders (id), line int NOT NULL,
    product_id bigint NOT NULL REFERENCES products (id), quantity int NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE TABLE events (
    id bigint PRIMARY KEY, customer_id bigint NOT NULL, kind text NOT NULL,
    at timestamptz NOT NULL, payload jsonb NOT NULL
);
"""

DATA: tuple[LiteralString, ...] = (
    """INSERT INTO customers SELECT g, 'user' || g || '@example.com', 'r' || g % 40,
              timestamptz '2024-01-01' + g * interval '7 minutes'
         FROM generate_series(1, {customers}) g""",
    """INSERT INTO products SELECT g, 'SKU-' || g, 'c' || g % 60, 1 + g % 500
         FROM generate_series(1, {products}) g""",
    """INSERT INTO orders SELECT g, 1 + g % {customers},
              (ARRAY['new', 'paid', 'shipped', 'void'])[1 + g % 4],
              timestamptz '2024-01-01' + g * interval '1 minute', g % 900,
              CASE WHEN g % 4 = 2 THEN timestamptz '2024-01-02' + g * interval '1 minute' END
         FROM generate_series(1, {orders}) g""",
    """INSERT INTO order_items SELECT 1 + g / 3, g % 3, 1 + g % {products}, 1 + g % 5
         FROM generate_series(0, 3 * {orders} - 1) g""",
    """INSERT INTO events SELECT g, 1 + g % {customers}, 'k' || g % 12,
              timestamptz '2024-01-01' + g * interval '30 seconds',
              jsonb_build_object('n', g % 100)
         FROM generate_series(1, {orders}) g""",
)

STATEMENTS: tuple[str, ...] = (
    "SELECT * FROM customers WHERE email = $1",
    "SELECT id, status, total FROM orders WHERE customer_id = $1",
    "SELECT * FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 10",
    "SELECT count(*) FROM orders WHERE status = 'new' AND created_at > $1",
    "SELECT id, total FROM orders WHERE created_at >= $1 AND created_at < $2",
    "SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id "
    "WHERE c.region = $1 AND o.status = $2",
    "SELECT p.sku, sum(i.quantity) FROM order_items i JOIN products p ON p.id = i.product_id "
    "WHERE i.order_id = $1 GROUP BY p.sku",
    "SELECT * FROM order_items WHERE product_id = $1",
    "SELECT category, count(*) FROM products WHERE price > $1 GROUP BY category",
    "SELECT * FROM products WHERE sku = 'SKU-77'",
    "SELECT * FROM events WHERE customer_id = $1 ORDER BY at DESC LIMIT 20",
    "SELECT kind, count(*) FROM events WHERE at > now() - interval '1 day' GROUP BY kind",
    "SELECT * FROM customers WHERE lower(email) = lower($1)",
    "SELECT id FROM orders WHERE shipped_at IS NULL AND status = 'paid'",
    "SELECT c.id, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
    "WHERE c.created_at > $1 GROUP BY c.id",
    "SELECT * FROM events WHERE kind = $1 AND at BETWEEN $2 AND $3",
    "UPDATE orders SET status = 'shipped', shipped_at = now() WHERE id = $1",
    "DELETE FROM events WHERE at < $1",
    "SELECT o.* FROM orders o WHERE o.total > 800 AND o.status = $1 ORDER BY o.total DESC LIMIT 5",
    "SELECT customer_id, sum(total) FROM orders WHERE created_at >= $1 GROUP BY customer_id",
)


def sizes(orders: int) -> dict[str, int]:
    """Row counts of the tables for ``orders`` orders."""
    return {"orders": orders, "customers": max(orders // 5, 100), "products": max(orders // 50, 50)}
