-- expect: money-float-type, money-numeric-unbounded
CREATE TABLE order_lines (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_price real NOT NULL,
    discount numeric,
    quantity integer NOT NULL,
    vat_rate numeric NOT NULL
);
