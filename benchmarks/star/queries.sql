-- Reporting queries over the star schema (schema.sql): our own, written the way decision-support
-- reports are: CTEs that build on earlier CTEs, derived tables, star joins with filters on the
-- dimensions, unions of the three channels, window functions, correlated subqueries against a
-- CTE. Constants are inline, so pg_stat_statements stores them normalized (``$n + $m`` against a
-- CTE's column, ``cast($1 as date) + interval $2``, CASE results under sum()), the forms the
-- advisor must plan. The file doubles as an ``advisor analyze --queries FILE`` input.

-- Q1: customers who returned much more than their store's average (a CTE read twice)
WITH customer_returns AS (
    SELECT sr_customer_sk AS ctr_customer_sk, sr_store_sk AS ctr_store_sk,
           sum(sr_return_amt) AS ctr_total_return
      FROM store_returns, date_dim
     WHERE sr_returned_date_sk = d_date_sk AND d_year = 2000
     GROUP BY sr_customer_sk, sr_store_sk
)
SELECT c_customer_id
  FROM customer_returns ctr1, store, customer
 WHERE ctr1.ctr_total_return > (SELECT avg(ctr_total_return) * 1.2
                                  FROM customer_returns ctr2
                                 WHERE ctr1.ctr_store_sk = ctr2.ctr_store_sk)
   AND s_store_sk = ctr1.ctr_store_sk
   AND s_state = 'TN'
   AND ctr1.ctr_customer_sk = c_customer_sk
 ORDER BY c_customer_id
 LIMIT 100;

-- Q2: week-over-week sales by weekday, this year against last (a CTE built on a CTE)
WITH channel_sales AS (
    SELECT ws_sold_date_sk AS sold_date_sk, ws_ext_sales_price AS sales_price FROM web_sales
    UNION ALL
    SELECT cs_sold_date_sk, cs_ext_sales_price FROM catalog_sales
), weekly AS (
    SELECT d_week_seq,
           sum(CASE WHEN d_day_name = 'Sunday' THEN sales_price END) AS sun_sales,
           sum(CASE WHEN d_day_name = 'Monday' THEN sales_price END) AS mon_sales,
           sum(CASE WHEN d_day_name = 'Friday' THEN sales_price END) AS fri_sales
      FROM channel_sales, date_dim
     WHERE d_date_sk = sold_date_sk
     GROUP BY d_week_seq
)
SELECT y.d_week_seq, round(y.sun_sales / z.sun_sales, 2), round(y.mon_sales / z.mon_sales, 2),
       round(y.fri_sales / z.fri_sales, 2)
  FROM (SELECT weekly.*, d_year FROM weekly, date_dim
         WHERE date_dim.d_week_seq = weekly.d_week_seq AND d_year = 2001) y,
       (SELECT weekly.*, d_year FROM weekly, date_dim
         WHERE date_dim.d_week_seq = weekly.d_week_seq AND d_year = 2001 + 1) z
 WHERE y.d_week_seq = z.d_week_seq - 53
 ORDER BY y.d_week_seq;

-- Q3: one manufacturer's November sales per brand and year
SELECT dt.d_year, i_brand_id, i_brand, sum(ss_ext_sales_price) AS sum_agg
  FROM date_dim dt, store_sales, item
 WHERE dt.d_date_sk = ss_sold_date_sk
   AND ss_item_sk = i_item_sk
   AND i_manufact_id = 128
   AND dt.d_moy = 11
 GROUP BY dt.d_year, i_brand, i_brand_id
 ORDER BY dt.d_year, sum_agg DESC, i_brand_id
 LIMIT 100;

-- Q4: customers whose web growth beat their store growth (year totals, a CTE over a union)
WITH year_total AS (
    SELECT c_customer_id AS customer_id, c_first_name AS first_name, d_year AS year_,
           sum(ss_net_paid) AS year_total, 's' AS sale_type
      FROM customer, store_sales, date_dim
     WHERE c_customer_sk = ss_customer_sk AND ss_sold_date_sk = d_date_sk
       AND d_year IN (2001, 2001 + 1)
     GROUP BY c_customer_id, c_first_name, d_year
    UNION ALL
    SELECT c_customer_id, c_first_name, d_year, sum(ws_net_paid), 'w'
      FROM customer, web_sales, date_dim
     WHERE c_customer_sk = ws_bill_customer_sk AND ws_sold_date_sk = d_date_sk
       AND d_year IN (2001, 2001 + 1)
     GROUP BY c_customer_id, c_first_name, d_year
)
SELECT t_s_secyear.customer_id, t_s_secyear.first_name
  FROM year_total t_s_firstyear, year_total t_s_secyear, year_total t_w_firstyear,
       year_total t_w_secyear
 WHERE t_s_secyear.customer_id = t_s_firstyear.customer_id
   AND t_s_firstyear.customer_id = t_w_secyear.customer_id
   AND t_s_firstyear.customer_id = t_w_firstyear.customer_id
   AND t_s_firstyear.sale_type = 's' AND t_w_firstyear.sale_type = 'w'
   AND t_s_secyear.sale_type = 's' AND t_w_secyear.sale_type = 'w'
   AND t_s_firstyear.year_ = 2001 AND t_s_secyear.year_ = 2001 + 1
   AND t_w_firstyear.year_ = 2001 AND t_w_secyear.year_ = 2001 + 1
   AND t_s_firstyear.year_total > 0 AND t_w_firstyear.year_total > 0
   AND t_w_secyear.year_total / t_w_firstyear.year_total
       > t_s_secyear.year_total / t_s_firstyear.year_total
 ORDER BY t_s_secyear.customer_id
 LIMIT 100;

-- Q5: sales, returns and profit per store over two weeks of August
WITH ssr AS (
    SELECT s_store_id, sum(sales_price) AS sales, sum(profit) AS profit,
           sum(return_amt) AS returns_, sum(net_loss) AS profit_loss
      FROM (SELECT ss_store_sk AS store_sk, ss_sold_date_sk AS date_sk,
                   ss_ext_sales_price AS sales_price, ss_net_profit AS profit,
                   cast(0 AS numeric(7, 2)) AS return_amt, cast(0 AS numeric(7, 2)) AS net_loss
              FROM store_sales
            UNION ALL
            SELECT sr_store_sk, sr_returned_date_sk, cast(0 AS numeric(7, 2)),
                   cast(0 AS numeric(7, 2)), sr_return_amt, sr_net_loss
              FROM store_returns) salesreturns,
           date_dim, store
     WHERE date_sk = d_date_sk
       AND d_date BETWEEN cast('2000-08-23' AS date) AND cast('2000-08-23' AS date) + 14
       AND store_sk = s_store_sk
     GROUP BY s_store_id
)
SELECT 'store channel' AS channel, s_store_id AS id, sales, returns_, profit - profit_loss AS profit
  FROM ssr
 ORDER BY channel, id
 LIMIT 100;

-- Q6: states where many customers bought items priced well above their category's average
SELECT a.ca_state AS state, count(*) AS cnt
  FROM customer_address a, customer c, store_sales s, date_dim d, item i
 WHERE a.ca_address_sk = c.c_current_addr_sk
   AND c.c_customer_sk = s.ss_customer_sk
   AND s.ss_sold_date_sk = d.d_date_sk
   AND s.ss_item_sk = i.i_item_sk
   AND d.d_month_seq = (SELECT DISTINCT d_month_seq FROM date_dim WHERE d_year = 2001 AND d_moy = 1)
   AND i.i_current_price > 1.2 * (SELECT avg(j.i_current_price) FROM item j
                                   WHERE j.i_category = i.i_category)
 GROUP BY a.ca_state
HAVING count(*) >= 10
 ORDER BY cnt, a.ca_state
 LIMIT 100;

-- Q7: average quantity and price of promoted sales to one demographic
SELECT i_item_id, avg(ss_quantity) AS agg1, avg(ss_list_price) AS agg2,
       avg(ss_coupon_amt) AS agg3, avg(ss_sales_price) AS agg4
  FROM store_sales, customer_demographics, date_dim, item, promotion
 WHERE ss_sold_date_sk = d_date_sk AND ss_item_sk = i_item_sk AND ss_cdemo_sk = cd_demo_sk
   AND ss_promo_sk = p_promo_sk AND cd_gender = 'M' AND cd_marital_status = 'S'
   AND cd_education_status = 'College' AND (p_channel_email = 'N' OR p_channel_tv = 'N')
   AND d_year = 2000
 GROUP BY i_item_id
 ORDER BY i_item_id
 LIMIT 100;

-- Q8: one customer's recent store baskets
SELECT ss_ticket_number, d_date, count(*) AS lines, sum(ss_net_paid) AS paid
  FROM store_sales
  JOIN customer ON c_customer_sk = ss_customer_sk
  JOIN date_dim ON d_date_sk = ss_sold_date_sk
 WHERE c_customer_id = 'CUST000000004242'
 GROUP BY ss_ticket_number, d_date
 ORDER BY d_date DESC
 LIMIT 20;

-- Q9: quantity buckets of store sales (scalar subqueries in CASE)
SELECT CASE WHEN (SELECT count(*) FROM store_sales WHERE ss_quantity BETWEEN 1 AND 20) > 7000
            THEN (SELECT avg(ss_ext_discount_amt) FROM store_sales
                   WHERE ss_quantity BETWEEN 1 AND 20)
            ELSE (SELECT avg(ss_net_paid) FROM store_sales WHERE ss_quantity BETWEEN 1 AND 20)
       END AS bucket1,
       CASE WHEN (SELECT count(*) FROM store_sales WHERE ss_quantity BETWEEN 81 AND 100) > 7000
            THEN (SELECT avg(ss_ext_discount_amt) FROM store_sales
                   WHERE ss_quantity BETWEEN 81 AND 100)
            ELSE (SELECT avg(ss_net_paid) FROM store_sales WHERE ss_quantity BETWEEN 81 AND 100)
       END AS bucket5
  FROM promotion
 WHERE p_promo_sk = 1;

-- Q10: demographics of customers of a few counties who bought in a quarter through a store
-- and also through the web or the catalog
SELECT cd_gender, cd_marital_status, cd_education_status, count(*) AS cnt
  FROM customer c, customer_address ca, customer_demographics
 WHERE c.c_current_addr_sk = ca.ca_address_sk
   AND ca_county IN ('county1', 'county7', 'county13', 'county42', 'county77')
   AND cd_demo_sk = c.c_current_cdemo_sk
   AND EXISTS (SELECT * FROM store_sales, date_dim
                WHERE c.c_customer_sk = ss_customer_sk AND ss_sold_date_sk = d_date_sk
                  AND d_year = 2002 AND d_moy BETWEEN 1 AND 1 + 3)
   AND (EXISTS (SELECT * FROM web_sales, date_dim
                 WHERE c.c_customer_sk = ws_bill_customer_sk AND ws_sold_date_sk = d_date_sk
                   AND d_year = 2002 AND d_moy BETWEEN 1 AND 1 + 3)
        OR EXISTS (SELECT * FROM catalog_sales, date_dim
                    WHERE c.c_customer_sk = cs_ship_customer_sk AND cs_sold_date_sk = d_date_sk
                      AND d_year = 2002 AND d_moy BETWEEN 1 AND 1 + 3))
 GROUP BY cd_gender, cd_marital_status, cd_education_status
 ORDER BY cd_gender, cd_marital_status, cd_education_status
 LIMIT 100;

-- Q11: top customers by store spend in December, with their address (derived tables)
SELECT c_last_name, c_first_name, ca_city, bought_city, ss_ticket_number, amt, profit
  FROM (SELECT ss_ticket_number, ss_customer_sk, ca_city AS bought_city,
               sum(ss_coupon_amt) AS amt, sum(ss_net_profit) AS profit
          FROM store_sales, date_dim, store, household_demographics, customer_address
         WHERE ss_sold_date_sk = d_date_sk AND ss_store_sk = s_store_sk
           AND ss_hdemo_sk = hd_demo_sk AND ss_addr_sk = ca_address_sk
           AND (hd_dep_count = 4 OR hd_vehicle_count = 3)
           AND d_dow IN (6, 0) AND d_year IN (1999, 1999 + 1, 1999 + 2)
           AND s_city IN ('city37', 'city74')
         GROUP BY ss_ticket_number, ss_customer_sk, ss_addr_sk, ca_city) dn,
       customer, customer_address current_addr
 WHERE ss_customer_sk = c_customer_sk
   AND customer.c_current_addr_sk = current_addr.ca_address_sk
   AND current_addr.ca_city <> bought_city
 ORDER BY c_last_name, c_first_name, ca_city, bought_city, ss_ticket_number
 LIMIT 100;

-- Q12: web revenue share per class within its category over 30 days (window function)
SELECT i_item_id, i_category, i_class, i_current_price, sum(ws_ext_sales_price) AS itemrevenue,
       sum(ws_ext_sales_price) * 100 / sum(sum(ws_ext_sales_price))
           OVER (PARTITION BY i_class) AS revenueratio
  FROM web_sales, item, date_dim
 WHERE ws_item_sk = i_item_sk
   AND i_category IN ('Sports', 'Books', 'Home')
   AND ws_sold_date_sk = d_date_sk
   AND d_date BETWEEN cast('1999-02-22' AS date) AND cast('1999-02-22' AS date) + interval '30 days'
 GROUP BY i_item_id, i_category, i_class, i_current_price
 ORDER BY i_category, i_class, i_item_id, revenueratio
 LIMIT 100;

-- Q13: store sales of married, college-educated households in a few states
SELECT avg(ss_quantity), avg(ss_ext_sales_price), avg(ss_ext_discount_amt), sum(ss_net_profit)
  FROM store_sales, store, customer_demographics, household_demographics, customer_address,
       date_dim
 WHERE s_store_sk = ss_store_sk AND ss_sold_date_sk = d_date_sk AND d_year = 2001
   AND ss_hdemo_sk = hd_demo_sk AND cd_demo_sk = ss_cdemo_sk
   AND cd_marital_status = 'M' AND cd_education_status = 'Advanced Degree'
   AND ss_sales_price BETWEEN 100.00 AND 150.00 AND hd_dep_count = 3
   AND ss_addr_sk = ca_address_sk AND ca_country = 'United States'
   AND ca_state IN ('SD', 'ND', 'MT');

-- Q14: items sold through all three channels in a year, their sales against the average
WITH cross_items AS (
    SELECT i_item_sk AS ss_item_sk
      FROM item,
           (SELECT iss.i_brand_id AS brand_id, iss.i_class AS class_, iss.i_category AS category
              FROM store_sales, item iss, date_dim d1
             WHERE ss_item_sk = iss.i_item_sk AND ss_sold_date_sk = d1.d_date_sk
               AND d1.d_year BETWEEN 1999 AND 1999 + 2
            INTERSECT
            SELECT ics.i_brand_id, ics.i_class, ics.i_category
              FROM catalog_sales, item ics, date_dim d2
             WHERE cs_item_sk = ics.i_item_sk AND cs_sold_date_sk = d2.d_date_sk
               AND d2.d_year BETWEEN 1999 AND 1999 + 2
            INTERSECT
            SELECT iws.i_brand_id, iws.i_class, iws.i_category
              FROM web_sales, item iws, date_dim d3
             WHERE ws_item_sk = iws.i_item_sk AND ws_sold_date_sk = d3.d_date_sk
               AND d3.d_year BETWEEN 1999 AND 1999 + 2) x
     WHERE i_brand_id = brand_id AND i_class = class_ AND i_category = category
), avg_sales AS (
    SELECT avg(quantity * list_price) AS average_sales
      FROM (SELECT ss_quantity AS quantity, ss_list_price AS list_price
              FROM store_sales, date_dim
             WHERE ss_sold_date_sk = d_date_sk AND d_year BETWEEN 1999 AND 1999 + 2
            UNION ALL
            SELECT cs_quantity, cs_list_price
              FROM catalog_sales, date_dim
             WHERE cs_sold_date_sk = d_date_sk AND d_year BETWEEN 1999 AND 1999 + 2) x
)
SELECT 'store' AS channel, i_brand_id, i_class, i_category,
       sum(ss_quantity * ss_list_price) AS sales, count(*) AS number_sales
  FROM store_sales, item, date_dim
 WHERE ss_item_sk IN (SELECT ss_item_sk FROM cross_items)
   AND ss_item_sk = i_item_sk AND ss_sold_date_sk = d_date_sk
   AND d_year = 1999 + 2 AND d_moy = 11
 GROUP BY i_brand_id, i_class, i_category
HAVING sum(ss_quantity * ss_list_price) > (SELECT average_sales FROM avg_sales)
 ORDER BY channel, i_brand_id, i_class, i_category
 LIMIT 100;

-- Q15: catalog sales per zip code in one quarter
SELECT ca_zip, sum(cs_sales_price)
  FROM catalog_sales, customer, customer_address, date_dim
 WHERE cs_bill_customer_sk = c_customer_sk
   AND c_current_addr_sk = ca_address_sk
   AND (substr(ca_zip, 1, 5) IN ('85669', '86197', '88274', '83405', '86475')
        OR ca_state IN ('CA', 'WA', 'GA') OR cs_sales_price > 500)
   AND cs_sold_date_sk = d_date_sk
   AND d_qoy = 2 AND d_year = 2001
 GROUP BY ca_zip
 ORDER BY ca_zip
 LIMIT 100;

-- Q16: catalog orders shipped from several warehouses and never returned
SELECT count(DISTINCT cs_order_number) AS order_count, sum(cs_ext_sales_price) AS total_sales,
       sum(cs_net_profit) AS total_net_profit
  FROM catalog_sales cs1, date_dim, customer_address, call_center
 WHERE d_date BETWEEN cast('2002-02-01' AS date) AND cast('2002-02-01' AS date) + 60
   AND cs1.cs_ship_date_sk = d_date_sk
   AND cs1.cs_bill_addr_sk = ca_address_sk AND ca_state = 'GA'
   AND cs1.cs_call_center_sk = cc_call_center_sk AND cc_county IN ('county53', 'county106')
   AND EXISTS (SELECT * FROM catalog_sales cs2
                WHERE cs1.cs_order_number = cs2.cs_order_number
                  AND cs1.cs_warehouse_sk <> cs2.cs_warehouse_sk)
   AND NOT EXISTS (SELECT * FROM catalog_returns cr1
                    WHERE cs1.cs_order_number = cr1.cr_order_number)
 LIMIT 100;

-- Q17: items sold, returned and re-bought through the catalog within a year, by state
SELECT i_item_id, s_state, count(ss_quantity) AS store_sales_quantitycount,
       avg(sr_return_quantity) AS store_returns_quantityave,
       avg(cs_quantity) AS catalog_sales_quantityave
  FROM store_sales, store_returns, catalog_sales, date_dim d1, date_dim d2, date_dim d3, store,
       item
 WHERE d1.d_qoy = 1 AND d1.d_year = 2001
   AND d1.d_date_sk = ss_sold_date_sk AND i_item_sk = ss_item_sk AND s_store_sk = ss_store_sk
   AND ss_customer_sk = sr_customer_sk AND ss_item_sk = sr_item_sk
   AND ss_ticket_number = sr_ticket_number
   AND sr_returned_date_sk = d2.d_date_sk AND d2.d_qoy IN (1, 2, 3) AND d2.d_year = 2001
   AND sr_customer_sk = cs_bill_customer_sk AND sr_item_sk = cs_item_sk
   AND cs_sold_date_sk = d3.d_date_sk AND d3.d_qoy IN (1, 2, 3) AND d3.d_year = 2001
 GROUP BY i_item_id, s_state
 ORDER BY i_item_id, s_state
 LIMIT 100;

-- Q18: catalog sales to customers born in some months, by item and state (ROLLUP)
SELECT i_item_id, ca_country, ca_state, avg(cs_quantity::numeric(12, 2)) AS agg1,
       avg(cs_list_price::numeric(12, 2)) AS agg2, avg(c_birth_year::numeric(12, 2)) AS agg3
  FROM catalog_sales, customer_demographics cd1, customer, customer_address, date_dim, item
 WHERE cs_sold_date_sk = d_date_sk AND cs_item_sk = i_item_sk
   AND cs_bill_cdemo_sk = cd1.cd_demo_sk AND cs_bill_customer_sk = c_customer_sk
   AND cd1.cd_gender = 'F' AND cd1.cd_education_status = 'Unknown'
   AND c_current_addr_sk = ca_address_sk AND d_year = 1998
   AND ca_state IN ('MS', 'IN', 'ND', 'OK', 'NM', 'VA')
 GROUP BY ROLLUP (i_item_id, ca_country, ca_state)
 ORDER BY ca_country, ca_state, i_item_id
 LIMIT 100;

-- Q19: brands bought by customers living away from the store's zip, one month
SELECT i_brand_id AS brand_id, i_brand AS brand, i_manufact_id, sum(ss_ext_sales_price) AS ext_price
  FROM date_dim, store_sales, item, customer, customer_address, store
 WHERE d_date_sk = ss_sold_date_sk AND ss_item_sk = i_item_sk AND i_manager_id = 8
   AND d_moy = 11 AND d_year = 1998
   AND ss_customer_sk = c_customer_sk AND c_current_addr_sk = ca_address_sk
   AND substr(ca_zip, 1, 5) <> substr(cast(s_store_sk AS text), 1, 5)
   AND ss_store_sk = s_store_sk
 GROUP BY i_brand, i_brand_id, i_manufact_id
 ORDER BY ext_price DESC, i_brand, i_brand_id, i_manufact_id
 LIMIT 100;

-- Q20: catalog revenue of three categories over 30 days, share within class
SELECT i_item_id, i_category, i_class, i_current_price, sum(cs_ext_sales_price) AS itemrevenue,
       sum(cs_ext_sales_price) * 100 / sum(sum(cs_ext_sales_price))
           OVER (PARTITION BY i_class) AS revenueratio
  FROM catalog_sales, item, date_dim
 WHERE cs_item_sk = i_item_sk AND i_category IN ('Jewelry', 'Sports', 'Books')
   AND cs_sold_date_sk = d_date_sk
   AND d_date BETWEEN cast('2001-01-12' AS date) AND cast('2001-01-12' AS date) + interval '30 days'
 GROUP BY i_item_id, i_category, i_class, i_current_price
 ORDER BY i_category, i_class, i_item_id
 LIMIT 100;

-- Q21: inventory before and after a date, per warehouse and item (derived table)
SELECT *
  FROM (SELECT w_warehouse_name, i_item_id,
               sum(CASE WHEN d_date < cast('2000-03-11' AS date) THEN inv_quantity_on_hand
                        ELSE 0 END) AS inv_before,
               sum(CASE WHEN d_date >= cast('2000-03-11' AS date) THEN inv_quantity_on_hand
                        ELSE 0 END) AS inv_after
          FROM inventory, warehouse, item, date_dim
         WHERE i_current_price BETWEEN 0.99 AND 1.49
           AND i_item_sk = inv_item_sk AND inv_warehouse_sk = w_warehouse_sk
           AND inv_date_sk = d_date_sk
           AND d_date BETWEEN cast('2000-03-11' AS date) - 30 AND cast('2000-03-11' AS date) + 30
         GROUP BY w_warehouse_name, i_item_id) x
 WHERE (CASE WHEN inv_before > 0 THEN inv_after / inv_before ELSE NULL END) BETWEEN 2.0 / 3.0
                                                                                 AND 3.0 / 2.0
 ORDER BY w_warehouse_name, i_item_id
 LIMIT 100;

-- Q22: average inventory per product line over a year (ROLLUP)
SELECT i_brand, i_class, i_category, avg(inv_quantity_on_hand) AS qoh
  FROM inventory, date_dim, item
 WHERE inv_date_sk = d_date_sk AND inv_item_sk = i_item_sk
   AND d_month_seq BETWEEN 1200 AND 1200 + 11
 GROUP BY ROLLUP (i_brand, i_class, i_category)
 ORDER BY qoh, i_brand, i_class, i_category
 LIMIT 100;

-- Q23: frequent items and best customers (CTEs on CTEs, derived table of max sales)
WITH frequent_ss_items AS (
    SELECT substr(i_item_desc, 1, 30) AS itemdesc, i_item_sk AS item_sk, d_date AS solddate,
           count(*) AS cnt
      FROM store_sales, date_dim, item
     WHERE ss_sold_date_sk = d_date_sk AND ss_item_sk = i_item_sk
       AND d_year IN (2000, 2000 + 1, 2000 + 2)
     GROUP BY substr(i_item_desc, 1, 30), i_item_sk, d_date
    HAVING count(*) > 4
), max_store_sales AS (
    SELECT max(csales) AS tpcds_cmax
      FROM (SELECT c_customer_sk, sum(ss_quantity * ss_sales_price) AS csales
              FROM store_sales, customer, date_dim
             WHERE ss_customer_sk = c_customer_sk AND ss_sold_date_sk = d_date_sk
               AND d_year IN (2000, 2000 + 1, 2000 + 2)
             GROUP BY c_customer_sk) x
), best_ss_customer AS (
    SELECT c_customer_sk, sum(ss_quantity * ss_sales_price) AS ssales
      FROM store_sales, customer
     WHERE ss_customer_sk = c_customer_sk
     GROUP BY c_customer_sk
    HAVING sum(ss_quantity * ss_sales_price) > (95 / 100.0) * (SELECT * FROM max_store_sales)
)
SELECT sum(sales)
  FROM (SELECT cs_quantity * cs_list_price AS sales
          FROM catalog_sales, date_dim
         WHERE d_year = 2000 AND d_moy = 2 AND cs_sold_date_sk = d_date_sk
           AND cs_item_sk IN (SELECT item_sk FROM frequent_ss_items)
           AND cs_bill_customer_sk IN (SELECT c_customer_sk FROM best_ss_customer)
        UNION ALL
        SELECT ws_quantity * ws_list_price
          FROM web_sales, date_dim
         WHERE d_year = 2000 AND d_moy = 2 AND ws_sold_date_sk = d_date_sk
           AND ws_item_sk IN (SELECT item_sk FROM frequent_ss_items)
           AND ws_bill_customer_sk IN (SELECT c_customer_sk FROM best_ss_customer)) y
 LIMIT 100;

-- Q24: net paid per customer for one color bought in a state's own stores
WITH ssales AS (
    SELECT c_last_name, c_first_name, s_store_name, ca_state, s_state, i_color,
           i_current_price, i_manager_id, i_units, i_size, sum(ss_net_paid) AS netpaid
      FROM store_sales, store_returns, store, item, customer, customer_address
     WHERE ss_ticket_number = sr_ticket_number AND ss_item_sk = sr_item_sk
       AND ss_customer_sk = c_customer_sk AND ss_item_sk = i_item_sk
       AND ss_store_sk = s_store_sk AND c_current_addr_sk = ca_address_sk
       AND c_birth_country <> upper(ca_country) AND s_market_id = 8
     GROUP BY c_last_name, c_first_name, s_store_name, ca_state, s_state, i_color,
              i_current_price, i_manager_id, i_units, i_size
)
SELECT c_last_name, c_first_name, s_store_name, sum(netpaid) AS paid
  FROM ssales
 WHERE i_color = 'peach'
 GROUP BY c_last_name, c_first_name, s_store_name
HAVING sum(netpaid) > (SELECT 0.05 * avg(netpaid) FROM ssales)
 ORDER BY c_last_name, c_first_name, s_store_name;

-- Q25: profit of items sold in April, returned and re-bought by catalog the same year
SELECT i_item_id, i_item_desc, s_store_id, s_store_name, sum(ss_net_profit) AS store_sales_profit,
       sum(sr_net_loss) AS store_returns_loss, sum(cs_net_profit) AS catalog_sales_profit
  FROM store_sales, store_returns, catalog_sales, date_dim d1, date_dim d2, date_dim d3, store,
       item
 WHERE d1.d_moy = 4 AND d1.d_year = 2001 AND d1.d_date_sk = ss_sold_date_sk
   AND i_item_sk = ss_item_sk AND s_store_sk = ss_store_sk
   AND ss_customer_sk = sr_customer_sk AND ss_item_sk = sr_item_sk
   AND ss_ticket_number = sr_ticket_number AND sr_returned_date_sk = d2.d_date_sk
   AND d2.d_moy BETWEEN 4 AND 10 AND d2.d_year = 2001
   AND sr_customer_sk = cs_bill_customer_sk AND sr_item_sk = cs_item_sk
   AND cs_sold_date_sk = d3.d_date_sk AND d3.d_moy BETWEEN 4 AND 10 AND d3.d_year = 2001
 GROUP BY i_item_id, i_item_desc, s_store_id, s_store_name
 ORDER BY i_item_id, i_item_desc, s_store_id, s_store_name
 LIMIT 100;

-- Q26: promoted catalog sales to one demographic in a year
SELECT i_item_id, avg(cs_quantity) AS agg1, avg(cs_list_price) AS agg2, avg(cs_sales_price) AS agg4
  FROM catalog_sales, customer_demographics, date_dim, item, promotion
 WHERE cs_sold_date_sk = d_date_sk AND cs_item_sk = i_item_sk AND cs_bill_cdemo_sk = cd_demo_sk
   AND cs_promo_sk = p_promo_sk AND cd_gender = 'F' AND cd_marital_status = 'W'
   AND cd_education_status = 'Primary' AND (p_channel_email = 'N' OR p_channel_tv = 'N')
   AND d_year = 2000
 GROUP BY i_item_id
 ORDER BY i_item_id
 LIMIT 100;

-- Q27: customers in a county with a shopping spike, ranked (window over a derived table)
SELECT *
  FROM (SELECT c_customer_id, d_year, d_moy, monthly, rank() OVER (PARTITION BY d_year, d_moy
                                                                  ORDER BY monthly DESC) AS rk
          FROM (SELECT c_customer_id, d_year, d_moy, sum(ss_net_paid) AS monthly
                  FROM store_sales
                  JOIN customer ON ss_customer_sk = c_customer_sk
                  JOIN customer_address ON c_current_addr_sk = ca_address_sk
                  JOIN date_dim ON ss_sold_date_sk = d_date_sk
                 WHERE ca_county = 'county123' AND d_year = 2002
                 GROUP BY c_customer_id, d_year, d_moy) m) r
 WHERE rk <= 3
 ORDER BY d_year, d_moy, rk;

-- Q28: price buckets of store sales (derived tables joined without condition)
SELECT *
  FROM (SELECT avg(ss_list_price) AS b1_lp, count(ss_list_price) AS b1_cnt,
               count(DISTINCT ss_list_price) AS b1_cntd
          FROM store_sales
         WHERE ss_quantity BETWEEN 0 AND 5
           AND (ss_list_price BETWEEN 8 AND 8 + 10 OR ss_coupon_amt BETWEEN 459 AND 459 + 1000
                OR ss_wholesale_cost BETWEEN 57 AND 57 + 20)) b1,
       (SELECT avg(ss_list_price) AS b2_lp, count(ss_list_price) AS b2_cnt,
               count(DISTINCT ss_list_price) AS b2_cntd
          FROM store_sales
         WHERE ss_quantity BETWEEN 6 AND 10
           AND (ss_list_price BETWEEN 90 AND 90 + 10 OR ss_coupon_amt BETWEEN 2323 AND 2323 + 1000
                OR ss_wholesale_cost BETWEEN 31 AND 31 + 20)) b2
 LIMIT 100;

-- Q29: items sold in a quarter, returned within months, bought again by catalog over 3 years
SELECT i_item_id, s_store_id, sum(ss_quantity) AS store_sales_quantity,
       sum(sr_return_quantity) AS store_returns_quantity, sum(cs_quantity) AS catalog_quantity
  FROM store_sales, store_returns, catalog_sales, date_dim d1, date_dim d2, date_dim d3, store,
       item
 WHERE d1.d_moy = 9 AND d1.d_year = 1999 AND d1.d_date_sk = ss_sold_date_sk
   AND i_item_sk = ss_item_sk AND s_store_sk = ss_store_sk
   AND ss_customer_sk = sr_customer_sk AND ss_item_sk = sr_item_sk
   AND ss_ticket_number = sr_ticket_number AND sr_returned_date_sk = d2.d_date_sk
   AND d2.d_moy BETWEEN 9 AND 9 + 3 AND d2.d_year = 1999
   AND sr_customer_sk = cs_bill_customer_sk AND sr_item_sk = cs_item_sk
   AND cs_sold_date_sk = d3.d_date_sk AND d3.d_year IN (1999, 1999 + 1, 1999 + 2)
 GROUP BY i_item_id, s_store_id
 ORDER BY i_item_id, s_store_id
 LIMIT 100;

-- Q30: customers who returned more web purchases than their state's average
WITH customer_total_return AS (
    SELECT wr_refunded_customer_sk AS ctr_customer_sk, ca_state AS ctr_state,
           sum(wr_return_amt) AS ctr_total_return
      FROM web_returns, date_dim, customer_address, customer
     WHERE wr_returned_date_sk = d_date_sk AND d_year = 2002
       AND wr_refunded_customer_sk = c_customer_sk AND c_current_addr_sk = ca_address_sk
     GROUP BY wr_refunded_customer_sk, ca_state
)
SELECT c_customer_id, c_first_name, c_last_name, ctr_total_return
  FROM customer_total_return ctr1, customer_address, customer
 WHERE ctr1.ctr_total_return > (SELECT avg(ctr_total_return) * 1.2
                                  FROM customer_total_return ctr2
                                 WHERE ctr1.ctr_state = ctr2.ctr_state)
   AND ca_address_sk = c_current_addr_sk AND ca_state = 'GA'
   AND ctr1.ctr_customer_sk = c_customer_sk
 ORDER BY c_customer_id, c_first_name, c_last_name, ctr_total_return
 LIMIT 100;

-- Q31: counties whose web sales grew faster than store sales, quarter over quarter
WITH ss AS (
    SELECT ca_county, d_qoy, d_year, sum(ss_ext_sales_price) AS store_sales
      FROM store_sales, date_dim, customer_address
     WHERE ss_sold_date_sk = d_date_sk AND ss_addr_sk = ca_address_sk
     GROUP BY ca_county, d_qoy, d_year
), ws AS (
    SELECT ca_county, d_qoy, d_year, sum(ws_ext_sales_price) AS web_sales
      FROM web_sales, date_dim, customer_address
     WHERE ws_sold_date_sk = d_date_sk AND ws_bill_addr_sk = ca_address_sk
     GROUP BY ca_county, d_qoy, d_year
)
SELECT ss1.ca_county, ss1.d_year, ws2.web_sales / ws1.web_sales AS web_q1_q2_increase,
       ss2.store_sales / ss1.store_sales AS store_q1_q2_increase
  FROM ss ss1, ss ss2, ws ws1, ws ws2
 WHERE ss1.d_qoy = 1 AND ss1.d_year = 2000 AND ss1.ca_county = ss2.ca_county
   AND ss2.d_qoy = 1 + 1 AND ss2.d_year = 2000
   AND ss1.ca_county = ws1.ca_county AND ws1.d_qoy = 1 AND ws1.d_year = 2000
   AND ws1.ca_county = ws2.ca_county AND ws2.d_qoy = 1 + 1 AND ws2.d_year = 2000
   AND CASE WHEN ws1.web_sales > 0 THEN ws2.web_sales / ws1.web_sales ELSE NULL END
       > CASE WHEN ss1.store_sales > 0 THEN ss2.store_sales / ss1.store_sales ELSE NULL END
 ORDER BY ss1.ca_county;

-- Q32: excess discount on one manufacturer's catalog sales over 90 days (correlated)
SELECT sum(cs_ext_sales_price) AS excess_discount_amount
  FROM catalog_sales, item, date_dim
 WHERE i_manufact_id = 77 AND i_item_sk = cs_item_sk
   AND d_date BETWEEN cast('2000-01-27' AS date) AND cast('2000-01-27' AS date) + 90
   AND d_date_sk = cs_sold_date_sk
   AND cs_ext_sales_price > (SELECT 1.3 * avg(cs_ext_sales_price)
                               FROM catalog_sales, date_dim
                              WHERE cs_item_sk = i_item_sk
                                AND d_date BETWEEN cast('2000-01-27' AS date)
                                               AND cast('2000-01-27' AS date) + 90
                                AND d_date_sk = cs_sold_date_sk)
 LIMIT 100;

-- Q33: one category's sales per manufacturer across the channels, one month, one time zone
WITH ss AS (
    SELECT i_manufact_id, sum(ss_ext_sales_price) AS total_sales
      FROM store_sales, date_dim, customer_address, item
     WHERE i_manufact_id IN (SELECT i_manufact_id FROM item WHERE i_category = 'Electronics')
       AND ss_item_sk = i_item_sk AND ss_sold_date_sk = d_date_sk
       AND d_year = 1998 AND d_moy = 5 AND ss_addr_sk = ca_address_sk AND ca_gmt_offset = -5
     GROUP BY i_manufact_id
), ws AS (
    SELECT i_manufact_id, sum(ws_ext_sales_price) AS total_sales
      FROM web_sales, date_dim, customer_address, item
     WHERE i_manufact_id IN (SELECT i_manufact_id FROM item WHERE i_category = 'Electronics')
       AND ws_item_sk = i_item_sk AND ws_sold_date_sk = d_date_sk
       AND d_year = 1998 AND d_moy = 5 AND ws_bill_addr_sk = ca_address_sk AND ca_gmt_offset = -5
     GROUP BY i_manufact_id
)
SELECT i_manufact_id, sum(total_sales) AS total_sales
  FROM (SELECT * FROM ss UNION ALL SELECT * FROM ws) tmp1
 GROUP BY i_manufact_id
 ORDER BY total_sales
 LIMIT 100;

-- Q34: households buying many lines per ticket in some counties' stores
SELECT c_last_name, c_first_name, c_preferred_cust_flag, ss_ticket_number, cnt
  FROM (SELECT ss_ticket_number, ss_customer_sk, count(*) AS cnt
          FROM store_sales, date_dim, store, household_demographics
         WHERE ss_sold_date_sk = d_date_sk AND ss_store_sk = s_store_sk
           AND ss_hdemo_sk = hd_demo_sk
           AND (d_dom BETWEEN 1 AND 3 OR d_dom BETWEEN 25 AND 28)
           AND (hd_buy_potential = '>10000' OR hd_buy_potential = 'Unknown')
           AND hd_vehicle_count > 0
           AND d_year IN (1999, 1999 + 1, 1999 + 2)
           AND s_county IN ('county53', 'county106', 'county159')
         GROUP BY ss_ticket_number, ss_customer_sk) dn, customer
 WHERE ss_customer_sk = c_customer_sk AND cnt BETWEEN 5 AND 12
 ORDER BY c_last_name, c_first_name, c_preferred_cust_flag DESC, ss_ticket_number;

-- Q35: monthly brand sales against their yearly average (window over a CTE, a CTE on a CTE)
WITH v1 AS (
    SELECT i_category, i_brand, s_store_name, d_year, d_moy, sum(ss_sales_price) AS sum_sales,
           avg(sum(ss_sales_price)) OVER (PARTITION BY i_category, i_brand, s_store_name, d_year)
               AS avg_monthly_sales,
           rank() OVER (PARTITION BY i_category, i_brand, s_store_name
                        ORDER BY d_year, d_moy) AS rn
      FROM item, store_sales, date_dim, store
     WHERE ss_item_sk = i_item_sk AND ss_sold_date_sk = d_date_sk AND ss_store_sk = s_store_sk
       AND (d_year = 2000 OR (d_year = 2000 - 1 AND d_moy = 12)
            OR (d_year = 2000 + 1 AND d_moy = 1))
       AND i_category = 'Music'
     GROUP BY i_category, i_brand, s_store_name, d_year, d_moy
), v2 AS (
    SELECT v1.i_category, v1.i_brand, v1.d_year, v1.d_moy, v1.avg_monthly_sales, v1.sum_sales,
           v1_lag.sum_sales AS psum, v1_lead.sum_sales AS nsum
      FROM v1, v1 v1_lag, v1 v1_lead
     WHERE v1.i_category = v1_lag.i_category AND v1.i_category = v1_lead.i_category
       AND v1.i_brand = v1_lag.i_brand AND v1.i_brand = v1_lead.i_brand
       AND v1.s_store_name = v1_lag.s_store_name AND v1.s_store_name = v1_lead.s_store_name
       AND v1.rn = v1_lag.rn + 1 AND v1.rn = v1_lead.rn - 1
)
SELECT *
  FROM v2
 WHERE d_year = 2000 AND avg_monthly_sales > 0
   AND CASE WHEN avg_monthly_sales > 0 THEN abs(sum_sales - avg_monthly_sales) / avg_monthly_sales
            ELSE NULL END > 0.1
 ORDER BY sum_sales - avg_monthly_sales, nsum
 LIMIT 100;

-- Q36: web sales shipped late, by warehouse, ship mode and site (CASE counts under sum())
SELECT substr(w_warehouse_name, 1, 20), sm_type, web_name,
       sum(CASE WHEN ws_ship_date_sk - ws_sold_date_sk <= 30 THEN 1 ELSE 0 END) AS days_30,
       sum(CASE WHEN ws_ship_date_sk - ws_sold_date_sk > 30
                 AND ws_ship_date_sk - ws_sold_date_sk <= 60 THEN 1 ELSE 0 END) AS days_31_60,
       sum(CASE WHEN ws_ship_date_sk - ws_sold_date_sk > 120 THEN 1 ELSE 0 END) AS days_120
  FROM web_sales, warehouse, ship_mode, web_site, date_dim
 WHERE d_month_seq BETWEEN 1212 AND 1212 + 11
   AND ws_ship_date_sk = d_date_sk AND ws_warehouse_sk = w_warehouse_sk
   AND ws_ship_mode_sk = sm_ship_mode_sk AND ws_web_site_sk = web_site_sk
 GROUP BY substr(w_warehouse_name, 1, 20), sm_type, web_name
 ORDER BY substr(w_warehouse_name, 1, 20), sm_type, web_name
 LIMIT 100;

-- Q37: items in a price range with stock on hand, sold through the catalog
SELECT i_item_id, i_item_desc, i_current_price
  FROM item, inventory, date_dim, catalog_sales
 WHERE i_current_price BETWEEN 68 AND 68 + 30
   AND inv_item_sk = i_item_sk AND d_date_sk = inv_date_sk
   AND d_date BETWEEN cast('2000-02-01' AS date) AND cast('2000-02-01' AS date) + 60
   AND i_manufact_id IN (677, 940, 694, 808)
   AND inv_quantity_on_hand BETWEEN 100 AND 500
   AND cs_item_sk = i_item_sk
 GROUP BY i_item_id, i_item_desc, i_current_price
 ORDER BY i_item_id
 LIMIT 100;

-- Q38: customers who bought on the same day through all three channels (INTERSECT)
SELECT count(*)
  FROM (SELECT DISTINCT c_last_name, c_first_name, d_date
          FROM store_sales, date_dim, customer
         WHERE store_sales.ss_sold_date_sk = date_dim.d_date_sk
           AND store_sales.ss_customer_sk = customer.c_customer_sk
           AND d_month_seq BETWEEN 1200 AND 1200 + 11
        INTERSECT
        SELECT DISTINCT c_last_name, c_first_name, d_date
          FROM catalog_sales, date_dim, customer
         WHERE catalog_sales.cs_sold_date_sk = date_dim.d_date_sk
           AND catalog_sales.cs_bill_customer_sk = customer.c_customer_sk
           AND d_month_seq BETWEEN 1200 AND 1200 + 11
        INTERSECT
        SELECT DISTINCT c_last_name, c_first_name, d_date
          FROM web_sales, date_dim, customer
         WHERE web_sales.ws_sold_date_sk = date_dim.d_date_sk
           AND web_sales.ws_bill_customer_sk = customer.c_customer_sk
           AND d_month_seq BETWEEN 1200 AND 1200 + 11) hot_cust
 LIMIT 100;

-- Q39: items whose stock varies most, month over month (a CTE on a CTE)
WITH inv AS (
    SELECT w_warehouse_name, w_warehouse_sk, i_item_sk, d_moy, stdev, mean,
           CASE mean WHEN 0 THEN NULL ELSE stdev / mean END AS cov
      FROM (SELECT w_warehouse_name, w_warehouse_sk, i_item_sk, d_moy,
                   stddev_samp(inv_quantity_on_hand) AS stdev, avg(inv_quantity_on_hand) AS mean
              FROM inventory, item, warehouse, date_dim
             WHERE inv_item_sk = i_item_sk AND inv_warehouse_sk = w_warehouse_sk
               AND inv_date_sk = d_date_sk AND d_year = 2001
             GROUP BY w_warehouse_name, w_warehouse_sk, i_item_sk, d_moy) foo
     WHERE CASE mean WHEN 0 THEN 0 ELSE stdev / mean END > 1
), inv_pairs AS (
    SELECT inv1.w_warehouse_sk, inv1.i_item_sk, inv1.d_moy, inv1.mean, inv1.cov,
           inv2.d_moy AS next_moy, inv2.mean AS next_mean, inv2.cov AS next_cov
      FROM inv inv1, inv inv2
     WHERE inv1.i_item_sk = inv2.i_item_sk AND inv1.w_warehouse_sk = inv2.w_warehouse_sk
       AND inv1.d_moy = 1 AND inv2.d_moy = 1 + 1
)
SELECT *
  FROM inv_pairs
 ORDER BY w_warehouse_sk, i_item_sk, d_moy, mean, cov, next_moy, next_mean, next_cov;

-- Q40: sales and refunds per state before and after a date, one price band (outer join)
SELECT w_state, i_item_id,
       sum(CASE WHEN d_date < cast('2000-03-11' AS date)
                THEN cs_sales_price - coalesce(cr_return_amount, 0) ELSE 0 END) AS sales_before,
       sum(CASE WHEN d_date >= cast('2000-03-11' AS date)
                THEN cs_sales_price - coalesce(cr_return_amount, 0) ELSE 0 END) AS sales_after
  FROM catalog_sales
  LEFT OUTER JOIN catalog_returns
    ON cs_order_number = cr_order_number AND cs_item_sk = cr_item_sk,
       warehouse, item, date_dim
 WHERE i_current_price BETWEEN 0.99 AND 1.49
   AND i_item_sk = cs_item_sk AND cs_warehouse_sk = w_warehouse_sk
   AND cs_sold_date_sk = d_date_sk
   AND d_date BETWEEN cast('2000-03-11' AS date) - 30 AND cast('2000-03-11' AS date) + 30
 GROUP BY w_state, i_item_id
 ORDER BY w_state, i_item_id
 LIMIT 100;

-- Q41: store sales per hour of the day for one household profile (derived tables)
SELECT s1.h8_30_to_9, s2.h9_to_9_30, s3.h9_30_to_10
  FROM (SELECT count(*) AS h8_30_to_9
          FROM store_sales, household_demographics, time_dim, store
         WHERE ss_sold_time_sk = time_dim.t_time_sk AND ss_hdemo_sk = hd_demo_sk
           AND ss_store_sk = s_store_sk AND time_dim.t_hour = 8 AND time_dim.t_minute >= 30
           AND hd_dep_count = 4 AND hd_vehicle_count <= 4 + 2
           AND store.s_store_name = 'store 1') s1,
       (SELECT count(*) AS h9_to_9_30
          FROM store_sales, household_demographics, time_dim, store
         WHERE ss_sold_time_sk = time_dim.t_time_sk AND ss_hdemo_sk = hd_demo_sk
           AND ss_store_sk = s_store_sk AND time_dim.t_hour = 9 AND time_dim.t_minute < 30
           AND hd_dep_count = 4 AND hd_vehicle_count <= 4 + 2
           AND store.s_store_name = 'store 1') s2,
       (SELECT count(*) AS h9_30_to_10
          FROM store_sales, household_demographics, time_dim, store
         WHERE ss_sold_time_sk = time_dim.t_time_sk AND ss_hdemo_sk = hd_demo_sk
           AND ss_store_sk = s_store_sk AND time_dim.t_hour = 9 AND time_dim.t_minute >= 30
           AND hd_dep_count = 4 AND hd_vehicle_count <= 4 + 2
           AND store.s_store_name = 'store 1') s3;

-- Q42: one month's sales per category
SELECT dt.d_year, item.i_category, sum(ss_ext_sales_price)
  FROM date_dim dt, store_sales, item
 WHERE dt.d_date_sk = store_sales.ss_sold_date_sk AND store_sales.ss_item_sk = item.i_item_sk
   AND item.i_manager_id = 1 AND dt.d_moy = 11 AND dt.d_year = 2000
 GROUP BY dt.d_year, item.i_category
 ORDER BY sum(ss_ext_sales_price) DESC, dt.d_year, item.i_category
 LIMIT 100;

-- Q43: items whose description names a colour, with their web sales (pattern match)
SELECT i_item_id, i_item_desc, sum(ws_net_paid) AS paid
  FROM item, web_sales, date_dim
 WHERE i_item_desc LIKE '%deluxe model 1%'
   AND ws_item_sk = i_item_sk AND ws_sold_date_sk = d_date_sk AND d_year = 2001
 GROUP BY i_item_id, i_item_desc
 ORDER BY paid DESC
 LIMIT 20;

-- Q44: best and worst items of one store by average profit (ranked derived tables)
SELECT asceding.rnk, i1.i_item_id AS best_performing, i2.i_item_id AS worst_performing
  FROM (SELECT *
          FROM (SELECT item_sk, rank() OVER (ORDER BY rank_col ASC) AS rnk
                  FROM (SELECT ss_item_sk AS item_sk, avg(ss_net_profit) AS rank_col
                          FROM store_sales ss1
                         WHERE ss_store_sk = 4
                         GROUP BY ss_item_sk
                        HAVING avg(ss_net_profit) > 0.9 * (SELECT avg(ss_net_profit)
                                                              FROM store_sales
                                                             WHERE ss_store_sk = 4
                                                               AND ss_hdemo_sk IS NULL)) v1) v11
         WHERE rnk < 11) asceding,
       (SELECT *
          FROM (SELECT item_sk, rank() OVER (ORDER BY rank_col DESC) AS rnk
                  FROM (SELECT ss_item_sk AS item_sk, avg(ss_net_profit) AS rank_col
                          FROM store_sales ss1
                         WHERE ss_store_sk = 4
                         GROUP BY ss_item_sk
                        HAVING avg(ss_net_profit) > 0.9 * (SELECT avg(ss_net_profit)
                                                              FROM store_sales
                                                             WHERE ss_store_sk = 4
                                                               AND ss_hdemo_sk IS NULL)) v2) v21
         WHERE rnk < 11) descending,
       item i1, item i2
 WHERE asceding.rnk = descending.rnk
   AND i1.i_item_sk = asceding.item_sk AND i2.i_item_sk = descending.item_sk
 ORDER BY asceding.rnk
 LIMIT 100;

-- Q45: web sales to some zip codes or items, one quarter
SELECT ca_zip, ca_city, sum(ws_sales_price)
  FROM web_sales, customer, customer_address, date_dim, item
 WHERE ws_bill_customer_sk = c_customer_sk AND c_current_addr_sk = ca_address_sk
   AND ws_item_sk = i_item_sk
   AND (substr(ca_zip, 1, 5) IN ('85669', '86197', '88274', '83405', '86475', '85392')
        OR i_item_id IN (SELECT i_item_id FROM item
                          WHERE i_item_sk IN (2, 3, 5, 7, 11, 13, 17, 19, 23, 29)))
   AND ws_sold_date_sk = d_date_sk AND d_qoy = 2 AND d_year = 2001
 GROUP BY ca_zip, ca_city
 ORDER BY ca_zip, ca_city
 LIMIT 100;

-- Q46: a customer's orders across channels, newest first (lookup by name)
SELECT channel, order_no, sold, amount
  FROM (SELECT 'store' AS channel, ss_ticket_number AS order_no, ss_sold_date_sk AS sold,
               ss_net_paid AS amount
          FROM store_sales JOIN customer ON ss_customer_sk = c_customer_sk
         WHERE c_last_name = 'Smith20' AND c_first_name = 'Maria'
        UNION ALL
        SELECT 'web', ws_order_number, ws_sold_date_sk, ws_net_paid
          FROM web_sales JOIN customer ON ws_bill_customer_sk = c_customer_sk
         WHERE c_last_name = 'Smith20' AND c_first_name = 'Maria') orders
 ORDER BY sold DESC NULLS LAST
 LIMIT 50;

-- Q47: the share of returns per reason and quarter in one state's stores
WITH returned AS (
    SELECT sr_reason, d_qoy, sum(sr_return_amt) AS amount, count(*) AS n
      FROM store_returns
      JOIN date_dim ON sr_returned_date_sk = d_date_sk
      JOIN store ON sr_store_sk = s_store_sk
     WHERE d_year = 2000 AND s_state = 'TX'
     GROUP BY sr_reason, d_qoy
), totals AS (
    SELECT d_qoy, sum(amount) AS quarter_amount FROM returned GROUP BY d_qoy
)
SELECT r.sr_reason, r.d_qoy, r.amount, round(100.0 * r.amount / t.quarter_amount, 2) AS pct
  FROM returned r JOIN totals t ON t.d_qoy = r.d_qoy
 WHERE r.n > 5
 ORDER BY r.d_qoy, pct DESC;

-- Q48: store sales of a few demographic and address profiles (ORed conjunctions)
SELECT sum(ss_quantity)
  FROM store_sales, store, customer_demographics, customer_address, date_dim
 WHERE s_store_sk = ss_store_sk AND ss_sold_date_sk = d_date_sk AND d_year = 2000
   AND ((cd_demo_sk = ss_cdemo_sk AND cd_marital_status = 'M'
         AND cd_education_status = '4 yr Degree' AND ss_sales_price BETWEEN 100.00 AND 150.00)
        OR (cd_demo_sk = ss_cdemo_sk AND cd_marital_status = 'D'
            AND cd_education_status = '2 yr Degree' AND ss_sales_price BETWEEN 50.00 AND 100.00))
   AND ((ss_addr_sk = ca_address_sk AND ca_country = 'United States'
         AND ca_state IN ('CO', 'OH', 'TX') AND ss_net_profit BETWEEN 0 AND 2000)
        OR (ss_addr_sk = ca_address_sk AND ca_country = 'United States'
            AND ca_state IN ('OR', 'MN', 'KY') AND ss_net_profit BETWEEN 150 AND 3000));

-- Q49: year-to-date catalog sales per call center, against last year (a CTE on a CTE)
WITH monthly AS (
    SELECT cc_name, d_year, d_moy, sum(cs_net_paid) AS paid
      FROM catalog_sales, call_center, date_dim
     WHERE cs_call_center_sk = cc_call_center_sk AND cs_sold_date_sk = d_date_sk
       AND d_year BETWEEN 2001 AND 2001 + 1
     GROUP BY cc_name, d_year, d_moy
), ytd AS (
    SELECT cc_name, d_year, d_moy,
           sum(paid) OVER (PARTITION BY cc_name, d_year ORDER BY d_moy) AS ytd_paid
      FROM monthly
)
SELECT cur.cc_name, cur.d_moy, cur.ytd_paid, prev.ytd_paid AS last_year
  FROM ytd cur JOIN ytd prev
    ON prev.cc_name = cur.cc_name AND prev.d_moy = cur.d_moy AND prev.d_year = cur.d_year - 1
 WHERE cur.d_year = 2001 + 1
 ORDER BY cur.cc_name, cur.d_moy;

-- Q50: days to return store purchases, per store (CASE counts under sum())
SELECT s_store_name, s_county, sum(CASE WHEN sr_returned_date_sk - ss_sold_date_sk <= 30
                                        THEN 1 ELSE 0 END) AS days_30,
       sum(CASE WHEN sr_returned_date_sk - ss_sold_date_sk > 30
                 AND sr_returned_date_sk - ss_sold_date_sk <= 60 THEN 1 ELSE 0 END) AS days_60,
       sum(CASE WHEN sr_returned_date_sk - ss_sold_date_sk > 60 THEN 1 ELSE 0 END) AS later
  FROM store_sales, store_returns, store, date_dim d1, date_dim d2
 WHERE d2.d_year = 2001 AND d2.d_moy = 8
   AND ss_ticket_number = sr_ticket_number AND ss_item_sk = sr_item_sk
   AND ss_sold_date_sk = d1.d_date_sk AND sr_returned_date_sk = d2.d_date_sk
   AND ss_customer_sk = sr_customer_sk AND ss_store_sk = s_store_sk
 GROUP BY s_store_name, s_county
 ORDER BY s_store_name, s_county
 LIMIT 100;
