-- Tables with hostile names for tests/test_hostile.py: the same table name in two schemas,
-- reserved words, quotes, spaces, unicode, and a 63-byte column name.
CREATE SCHEMA "Sales Dept";
CREATE TABLE "Sales Dept"."order" (
    id bigint PRIMARY KEY,
    "select" int NOT NULL,
    "it's" text NOT NULL,
    "Quote""d" int NOT NULL,
    "ünïcødé" int NOT NULL,
    "éééééééééééééééééééééééééééééééx" int NOT NULL,
    "user" date NOT NULL
);
CREATE TABLE public."order" (LIKE "Sales Dept"."order" INCLUDING ALL);
CREATE TABLE public."with space" (
    id bigint PRIMARY KEY,
    "order_id" bigint NOT NULL REFERENCES public."order",
    "dot.ted" int NOT NULL
);
CREATE INDEX "dup one" ON public."order" ("select");
CREATE INDEX "dup ""two""" ON public."order" ("select");
CREATE INDEX "lower it's" ON "Sales Dept"."order" (lower("it's"));
INSERT INTO "Sales Dept"."order"
SELECT g, g % 100, 'v' || g, g % 3000, g % 700, g % 5000, date '2020-01-01' + g % 900
  FROM generate_series(1, 30000) g;
INSERT INTO public."order" SELECT * FROM "Sales Dept"."order";
INSERT INTO public."with space" SELECT g, 1 + g % 30000, g % 10 FROM generate_series(1, 20000) g;
