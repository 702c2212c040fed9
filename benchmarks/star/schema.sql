-- A retail star schema: three sales channels (store, catalog, web), their returns and a weekly
-- inventory, around shared dimensions. Our own design, in the spirit of decision-support
-- benchmarks. Primary keys come after the load (keys.sql); no secondary index is ever created here.
CREATE TABLE date_dim (
    d_date_sk integer,
    d_date date NOT NULL,
    d_year integer NOT NULL,
    d_moy integer NOT NULL,
    d_dom integer NOT NULL,
    d_qoy integer NOT NULL,
    d_dow integer NOT NULL,
    d_month_seq integer NOT NULL,
    d_week_seq integer NOT NULL,
    d_day_name varchar(9) NOT NULL,
    d_holiday boolean NOT NULL
);
CREATE TABLE time_dim (
    t_time_sk integer,
    t_hour integer NOT NULL,
    t_minute integer NOT NULL,
    t_shift varchar(10) NOT NULL
);
CREATE TABLE item (
    i_item_sk integer,
    i_item_id char(16) NOT NULL,
    i_item_desc varchar(200),
    i_category varchar(20) NOT NULL,
    i_class varchar(20) NOT NULL,
    i_brand varchar(30) NOT NULL,
    i_brand_id integer NOT NULL,
    i_manufact_id integer NOT NULL,
    i_manager_id integer NOT NULL,
    i_current_price numeric(7, 2) NOT NULL,
    i_color varchar(20) NOT NULL,
    i_size varchar(20) NOT NULL,
    i_units varchar(10) NOT NULL
);
CREATE TABLE customer_address (
    ca_address_sk integer,
    ca_city varchar(30) NOT NULL,
    ca_county varchar(30) NOT NULL,
    ca_state char(2) NOT NULL,
    ca_zip char(5) NOT NULL,
    ca_country varchar(20) NOT NULL,
    ca_gmt_offset numeric(5, 2) NOT NULL
);
CREATE TABLE customer_demographics (
    cd_demo_sk integer,
    cd_gender char(1) NOT NULL,
    cd_marital_status char(1) NOT NULL,
    cd_education_status varchar(20) NOT NULL,
    cd_credit_rating varchar(10) NOT NULL,
    cd_dep_count integer NOT NULL,
    cd_purchase_estimate integer NOT NULL
);
CREATE TABLE household_demographics (
    hd_demo_sk integer,
    hd_income_band integer NOT NULL,
    hd_buy_potential varchar(15) NOT NULL,
    hd_dep_count integer NOT NULL,
    hd_vehicle_count integer NOT NULL
);
CREATE TABLE customer (
    c_customer_sk integer,
    c_customer_id char(16) NOT NULL,
    c_current_addr_sk integer,
    c_current_cdemo_sk integer,
    c_current_hdemo_sk integer,
    c_first_name varchar(20) NOT NULL,
    c_last_name varchar(30) NOT NULL,
    c_preferred_cust_flag char(1),
    c_birth_year integer,
    c_birth_country varchar(20),
    c_email_address varchar(50)
);
CREATE TABLE store (
    s_store_sk integer,
    s_store_id char(16) NOT NULL,
    s_store_name varchar(50) NOT NULL,
    s_city varchar(30) NOT NULL,
    s_county varchar(30) NOT NULL,
    s_state char(2) NOT NULL,
    s_market_id integer NOT NULL,
    s_number_employees integer NOT NULL
);
CREATE TABLE promotion (
    p_promo_sk integer,
    p_promo_id char(16) NOT NULL,
    p_channel_email char(1) NOT NULL,
    p_channel_tv char(1) NOT NULL,
    p_cost numeric(15, 2) NOT NULL
);
CREATE TABLE warehouse (
    w_warehouse_sk integer,
    w_warehouse_name varchar(20) NOT NULL,
    w_state char(2) NOT NULL
);
CREATE TABLE ship_mode (
    sm_ship_mode_sk integer,
    sm_type char(30) NOT NULL,
    sm_carrier char(20) NOT NULL
);
CREATE TABLE web_site (
    web_site_sk integer,
    web_name varchar(50) NOT NULL,
    web_company_name char(50) NOT NULL
);
CREATE TABLE call_center (
    cc_call_center_sk integer,
    cc_name varchar(50) NOT NULL,
    cc_county varchar(30) NOT NULL
);
CREATE TABLE store_sales (
    ss_sold_date_sk integer,
    ss_sold_time_sk integer,
    ss_item_sk integer NOT NULL,
    ss_customer_sk integer,
    ss_cdemo_sk integer,
    ss_hdemo_sk integer,
    ss_addr_sk integer,
    ss_store_sk integer,
    ss_promo_sk integer,
    ss_ticket_number bigint NOT NULL,
    ss_quantity integer,
    ss_wholesale_cost numeric(7, 2),
    ss_list_price numeric(7, 2),
    ss_sales_price numeric(7, 2),
    ss_ext_discount_amt numeric(7, 2),
    ss_ext_sales_price numeric(7, 2),
    ss_ext_list_price numeric(7, 2),
    ss_coupon_amt numeric(7, 2),
    ss_net_paid numeric(7, 2),
    ss_net_profit numeric(7, 2)
);
CREATE TABLE store_returns (
    sr_returned_date_sk integer,
    sr_item_sk integer NOT NULL,
    sr_customer_sk integer,
    sr_store_sk integer,
    sr_reason integer,
    sr_ticket_number bigint NOT NULL,
    sr_return_quantity integer,
    sr_return_amt numeric(7, 2),
    sr_net_loss numeric(7, 2)
);
CREATE TABLE catalog_sales (
    cs_sold_date_sk integer,
    cs_ship_date_sk integer,
    cs_bill_customer_sk integer,
    cs_bill_cdemo_sk integer,
    cs_bill_addr_sk integer,
    cs_ship_customer_sk integer,
    cs_call_center_sk integer,
    cs_ship_mode_sk integer,
    cs_warehouse_sk integer,
    cs_item_sk integer NOT NULL,
    cs_promo_sk integer,
    cs_order_number bigint NOT NULL,
    cs_quantity integer,
    cs_wholesale_cost numeric(7, 2),
    cs_list_price numeric(7, 2),
    cs_sales_price numeric(7, 2),
    cs_ext_sales_price numeric(7, 2),
    cs_ext_list_price numeric(7, 2),
    cs_coupon_amt numeric(7, 2),
    cs_net_paid numeric(7, 2),
    cs_net_profit numeric(7, 2)
);
CREATE TABLE catalog_returns (
    cr_returned_date_sk integer,
    cr_item_sk integer NOT NULL,
    cr_refunded_customer_sk integer,
    cr_call_center_sk integer,
    cr_order_number bigint NOT NULL,
    cr_return_quantity integer,
    cr_return_amount numeric(7, 2),
    cr_net_loss numeric(7, 2)
);
CREATE TABLE web_sales (
    ws_sold_date_sk integer,
    ws_ship_date_sk integer,
    ws_item_sk integer NOT NULL,
    ws_bill_customer_sk integer,
    ws_bill_addr_sk integer,
    ws_ship_customer_sk integer,
    ws_web_site_sk integer,
    ws_ship_mode_sk integer,
    ws_warehouse_sk integer,
    ws_promo_sk integer,
    ws_order_number bigint NOT NULL,
    ws_quantity integer,
    ws_wholesale_cost numeric(7, 2),
    ws_list_price numeric(7, 2),
    ws_sales_price numeric(7, 2),
    ws_ext_sales_price numeric(7, 2),
    ws_ext_list_price numeric(7, 2),
    ws_net_paid numeric(7, 2),
    ws_net_profit numeric(7, 2)
);
CREATE TABLE web_returns (
    wr_returned_date_sk integer,
    wr_item_sk integer NOT NULL,
    wr_refunded_customer_sk integer,
    wr_web_site_sk integer,
    wr_order_number bigint NOT NULL,
    wr_return_quantity integer,
    wr_return_amt numeric(7, 2),
    wr_net_loss numeric(7, 2)
);
CREATE TABLE inventory (
    inv_date_sk integer NOT NULL,
    inv_item_sk integer NOT NULL,
    inv_warehouse_sk integer NOT NULL,
    inv_quantity_on_hand integer
);
