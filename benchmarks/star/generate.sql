-- Data of the star schema, generated inside the server from a fixed seed: the same scale gives
-- the same rows on every run (one backend, no parallel workers). Statements are separated by
-- lines holding only ";" and run with psycopg's named parameters (items, customers, addresses,
-- stores, tickets, catalog_orders, web_orders); a doubled percent sign is the modulo operator.
--
-- Sales: baskets (tickets, orders) of 1-12 lines share a date, time, customer and store; items are
-- skewed towards low keys (a few best sellers); sales fall in 1998-2002, the calendar spans
-- 1990-2009; about 2 in 100 foreign keys of a sale are NULL, as in real feeds. Returns are a
-- one-in-ten sample of the sales.
SELECT setseed(0.17)
;
INSERT INTO date_dim
SELECT (d - date '1900-01-01') + 1,
       d,
       extract(year FROM d)::int,
       extract(month FROM d)::int,
       extract(day FROM d)::int,
       extract(quarter FROM d)::int,
       extract(dow FROM d)::int,
       (extract(year FROM d)::int - 1900) * 12 + extract(month FROM d)::int - 1,
       (d - date '1900-01-01') / 7 + 1,
       to_char(d, 'FMDay'),
       (extract(month FROM d), extract(day FROM d)) IN ((1, 1), (7, 4), (12, 25), (11, 11))
  FROM generate_series(date '1990-01-01', date '2009-12-31', interval '1 day') AS g(t),
       LATERAL (SELECT t::date AS d) x
;
INSERT INTO time_dim
SELECT s, s / 3600, (s / 60) %% 60,
       CASE WHEN s < 8 * 3600 THEN 'third' WHEN s < 16 * 3600 THEN 'first' ELSE 'second' END
  FROM generate_series(0, 86399) s
;
INSERT INTO item
SELECT i,
       'ITEM' || lpad(i::text, 12, '0'),
       'item ' || i || ' ' || (ARRAY['plain', 'deluxe', 'compact', 'classic', 'sport'])[1 + i %% 5]
           || ' model ' || (i * 7919) %% 1000,
       (ARRAY['Books', 'Children', 'Electronics', 'Home', 'Jewelry', 'Men', 'Music', 'Shoes',
              'Sports', 'Women'])[1 + i %% 10],
       'class' || (i / 10) %% 12,
       'brand #' || (i * 31) %% 900,
       (i * 31) %% 900,
       1 + (i * 13) %% 1000,
       1 + (i * 17) %% 100,
       round((1 + random() * 99)::numeric, 2),
       (ARRAY['red', 'blue', 'green', 'black', 'white', 'navy', 'olive', 'pink', 'lime', 'tan',
              'plum', 'khaki', 'coral', 'peach', 'slate'])[1 + (i * 7) %% 15]
           || CASE WHEN i %% 3 = 0 THEN ' light' ELSE '' END,
       (ARRAY['small', 'medium', 'large', 'extra large', 'petite', 'N/A'])[1 + (i * 3) %% 6],
       (ARRAY['Each', 'Dozen', 'Case', 'Pallet', 'Box'])[1 + (i * 11) %% 5]
  FROM generate_series(1, %(items)s) i
;
INSERT INTO customer_address
SELECT a,
       'city' || (a * 37) %% 400,
       'county' || (a * 53) %% 600,
       (ARRAY['TX', 'CA', 'GA', 'NY', 'IL', 'OH', 'VA', 'KY', 'NC', 'TN', 'MI', 'MO', 'WA', 'IN',
              'SD', 'ND', 'MT', 'ME', 'VT', 'WY', 'AK', 'DE'])[1 + floor(22 * random() ^ 1.6)::int],
       lpad(((a * 7919) %% 99999)::text, 5, '0'),
       CASE WHEN a %% 50 = 0 THEN 'Canada' ELSE 'United States' END,
       (ARRAY[-5, -6, -7, -8, -10]::numeric[])[1 + a %% 5]
  FROM generate_series(1, %(addresses)s) a
;
INSERT INTO customer_demographics
SELECT row_number() OVER (), g, m, e, c, dep, est
  FROM unnest(ARRAY['M', 'F']) g,
       unnest(ARRAY['S', 'M', 'D', 'W', 'U']) m,
       unnest(ARRAY['Primary', 'Secondary', 'College', '2 yr Degree', '4 yr Degree',
                    'Advanced Degree', 'Unknown']) e,
       unnest(ARRAY['Low Risk', 'Good', 'High Risk', 'Unknown']) c,
       generate_series(0, 6) dep,
       generate_series(500, 10000, 500) est
;
INSERT INTO household_demographics
SELECT row_number() OVER (), band, buy, dep, veh
  FROM generate_series(1, 20) band,
       unnest(ARRAY['0-500', '501-1000', '1001-5000', '5001-10000', '>10000', 'Unknown']) buy,
       generate_series(0, 9) dep,
       generate_series(-1, 4) veh
;
INSERT INTO customer
SELECT c,
       'CUST' || lpad(c::text, 12, '0'),
       CASE WHEN random() < 0.02 THEN NULL ELSE 1 + floor(random() * %(addresses)s)::int END,
       1 + floor(random() * 39200)::int,
       1 + floor(random() * 7200)::int,
       (ARRAY['James', 'Mary', 'John', 'Linda', 'Robert', 'Susan', 'David', 'Karen', 'Maria',
              'Daniel', 'Laura', 'Paul'])[1 + (c * 7) %% 12],
       (ARRAY['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Garcia',
              'Wilson', 'Moore', 'Taylor', 'Thomas', 'Clark', 'Lewis', 'Young', 'Allen',
              'King', 'Wright', 'Scott', 'Green'])[1 + (c * 13) %% 20] || (c %% 50)::text,
       CASE WHEN random() < 0.5 THEN 'Y' ELSE 'N' END,
       1930 + floor(random() * 63)::int,
       (ARRAY['UNITED STATES', 'CANADA', 'MEXICO', 'GERMANY', 'JAPAN', 'BRAZIL', 'INDIA',
              'FRANCE'])[1 + floor(8 * random() ^ 3)::int],
       'customer' || c || '@example.com'
  FROM generate_series(1, %(customers)s) c
;
INSERT INTO store
SELECT s, 'STORE' || lpad(s::text, 11, '0'), 'store ' || s, 'city' || (s * 37) %% 400,
       'county' || (s * 53) %% 600, (ARRAY['TN', 'GA', 'TX', 'CA', 'NY', 'OH'])[1 + s %% 6],
       1 + s %% 10, 200 + (s * 37) %% 100
  FROM generate_series(1, %(stores)s) s
;
INSERT INTO promotion
SELECT p, 'PROMO' || lpad(p::text, 11, '0'), CASE WHEN p %% 3 = 0 THEN 'Y' ELSE 'N' END,
       CASE WHEN p %% 4 = 0 THEN 'Y' ELSE 'N' END, 1000
  FROM generate_series(1, 300) p
;
INSERT INTO warehouse
SELECT w, 'warehouse ' || w, (ARRAY['TN', 'GA', 'TX', 'CA', 'NY'])[w] FROM generate_series(1, 5) w
;
INSERT INTO ship_mode
SELECT m, (ARRAY['EXPRESS', 'NEXT DAY', 'OVERNIGHT', 'REGULAR', 'TWO DAY', 'LIBRARY'])[1 + m %% 6],
       (ARRAY['UPS', 'FEDEX', 'DHL', 'USPS', 'AIRBORNE'])[1 + m %% 5]
  FROM generate_series(1, 20) m
;
INSERT INTO web_site
SELECT w, 'site_' || w, 'company ' || w %% 6 FROM generate_series(1, 30) w
;
INSERT INTO call_center
SELECT c, 'call center ' || c, 'county' || (c * 53) %% 600 FROM generate_series(1, 6) c
;
INSERT INTO store_sales
SELECT CASE WHEN random() < 0.02 THEN NULL ELSE b.date_sk END,
       b.time_sk,
       1 + (b.item0 + line * (%(items)s / 13)) %% %(items)s,
       b.customer_sk, b.cdemo_sk, b.hdemo_sk, b.addr_sk, b.store_sk,
       CASE WHEN random() < 0.3 THEN 1 + floor(random() * 300)::int END,
       b.ticket,
       p.quantity, p.wholesale, p.list, p.sales, round((p.list - p.sales) * p.quantity, 2),
       p.sales * p.quantity, p.list * p.quantity, 0, p.sales * p.quantity,
       (p.sales - p.wholesale) * p.quantity
  FROM (SELECT t AS ticket,
               35795 + floor(random() * 1826)::int AS date_sk,
               28800 + floor(random() * 50400)::int AS time_sk,
               floor(%(items)s * random() ^ 2)::int AS item0,
               CASE WHEN random() < 0.02 THEN NULL
                    ELSE 1 + floor(random() * %(customers)s)::int END AS customer_sk,
               1 + floor(random() * 39200)::int AS cdemo_sk,
               1 + floor(random() * 7200)::int AS hdemo_sk,
               1 + floor(random() * %(addresses)s)::int AS addr_sk,
               CASE WHEN random() < 0.02 THEN NULL
                    ELSE 1 + floor(random() * %(stores)s)::int END AS store_sk,
               1 + floor(random() * 12)::int AS lines
          FROM generate_series(1, %(tickets)s) t) b,
       LATERAL generate_series(0, b.lines - 1) line,
       LATERAL (SELECT q AS quantity, w AS wholesale, round(w * 1.6, 2) AS list,
                       round(w * (1.0 + random())::numeric, 2) AS sales
                  FROM (SELECT 1 + floor(random() * 100)::int AS q,
                               round((1 + random() * 99)::numeric, 2) AS w
                         WHERE line >= 0) r) p
;
INSERT INTO store_returns
SELECT ss_sold_date_sk + 1 + floor(random() * 60)::int, ss_item_sk, ss_customer_sk, ss_store_sk,
       1 + floor(random() * 35)::int, ss_ticket_number,
       greatest(1, floor(ss_quantity * random())::int),
       round(ss_sales_price * greatest(1, floor(ss_quantity * random()))::numeric, 2),
       round(ss_wholesale_cost * (random() * 10)::numeric, 2)
  FROM store_sales
 WHERE random() < 0.1
;
INSERT INTO catalog_sales
SELECT CASE WHEN random() < 0.02 THEN NULL ELSE b.date_sk END,
       b.date_sk + 2 + floor(random() * 88)::int,
       b.customer_sk, b.cdemo_sk, b.addr_sk, b.customer_sk, b.center, b.mode, b.warehouse,
       1 + (b.item0 + line * (%(items)s / 13)) %% %(items)s,
       CASE WHEN random() < 0.3 THEN 1 + floor(random() * 300)::int END,
       b.orderno,
       p.quantity, p.wholesale, p.list, p.sales, p.sales * p.quantity, p.list * p.quantity, 0,
       p.sales * p.quantity, (p.sales - p.wholesale) * p.quantity
  FROM (SELECT o AS orderno,
               35795 + floor(random() * 1826)::int AS date_sk,
               floor(%(items)s * random() ^ 2)::int AS item0,
               CASE WHEN random() < 0.02 THEN NULL
                    ELSE 1 + floor(random() * %(customers)s)::int END AS customer_sk,
               1 + floor(random() * 39200)::int AS cdemo_sk,
               1 + floor(random() * %(addresses)s)::int AS addr_sk,
               1 + floor(random() * 6)::int AS center,
               1 + floor(random() * 20)::int AS mode,
               1 + floor(random() * 5)::int AS warehouse,
               1 + floor(random() * 12)::int AS lines
          FROM generate_series(1, %(catalog_orders)s) o) b,
       LATERAL generate_series(0, b.lines - 1) line,
       LATERAL (SELECT q AS quantity, w AS wholesale, round(w * 1.6, 2) AS list,
                       round(w * (1.0 + random())::numeric, 2) AS sales
                  FROM (SELECT 1 + floor(random() * 100)::int AS q,
                               round((1 + random() * 99)::numeric, 2) AS w
                         WHERE line >= 0) r) p
;
INSERT INTO catalog_returns
SELECT cs_sold_date_sk + 5 + floor(random() * 90)::int, cs_item_sk, cs_bill_customer_sk,
       cs_call_center_sk, cs_order_number, greatest(1, floor(cs_quantity * random())::int),
       round(cs_sales_price * greatest(1, floor(cs_quantity * random()))::numeric, 2),
       round(cs_wholesale_cost * (random() * 10)::numeric, 2)
  FROM catalog_sales
 WHERE random() < 0.1
;
INSERT INTO web_sales
SELECT CASE WHEN random() < 0.02 THEN NULL ELSE b.date_sk END,
       b.date_sk + 1 + floor(random() * 120)::int,
       1 + (b.item0 + line * (%(items)s / 13)) %% %(items)s,
       b.customer_sk, b.addr_sk, b.customer_sk, b.site, b.mode, b.warehouse,
       CASE WHEN random() < 0.3 THEN 1 + floor(random() * 300)::int END,
       b.orderno,
       p.quantity, p.wholesale, p.list, p.sales, p.sales * p.quantity, p.list * p.quantity,
       p.sales * p.quantity, (p.sales - p.wholesale) * p.quantity
  FROM (SELECT o AS orderno,
               35795 + floor(random() * 1826)::int AS date_sk,
               floor(%(items)s * random() ^ 2)::int AS item0,
               CASE WHEN random() < 0.02 THEN NULL
                    ELSE 1 + floor(random() * %(customers)s)::int END AS customer_sk,
               1 + floor(random() * %(addresses)s)::int AS addr_sk,
               1 + floor(random() * 30)::int AS site,
               1 + floor(random() * 20)::int AS mode,
               1 + floor(random() * 5)::int AS warehouse,
               1 + floor(random() * 12)::int AS lines
          FROM generate_series(1, %(web_orders)s) o) b,
       LATERAL generate_series(0, b.lines - 1) line,
       LATERAL (SELECT q AS quantity, w AS wholesale, round(w * 1.6, 2) AS list,
                       round(w * (1.0 + random())::numeric, 2) AS sales
                  FROM (SELECT 1 + floor(random() * 100)::int AS q,
                               round((1 + random() * 99)::numeric, 2) AS w
                         WHERE line >= 0) r) p
;
INSERT INTO web_returns
SELECT ws_sold_date_sk + 1 + floor(random() * 60)::int, ws_item_sk, ws_bill_customer_sk,
       ws_web_site_sk, ws_order_number, greatest(1, floor(ws_quantity * random())::int),
       round(ws_sales_price * greatest(1, floor(ws_quantity * random()))::numeric, 2),
       round(ws_wholesale_cost * (random() * 10)::numeric, 2)
  FROM web_sales
 WHERE random() < 0.1
;
INSERT INTO inventory
SELECT d.d_date_sk, i, w, floor(random() * 1000)::int
  FROM date_dim d, generate_series(10, %(items)s, 10) i, generate_series(1, 5) w
 WHERE d.d_date_sk BETWEEN 35795 AND 37620 AND d.d_dow = 4
