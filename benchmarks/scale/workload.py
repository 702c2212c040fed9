"""The generated schema and workload: N tables, ten statement shapes per table.

Every table has the same columns and a primary key only, so each shape but the primary-key
update has index candidates. The shapes differ by fingerprint (pg_stat_statements keeps them
apart), and so does every table, so ``tables x shapes`` statements are all distinct (the
advisor's fingerprint counts the tables a statement names, schemas and digits included).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, LiteralString

from psycopg import sql

TABLE: LiteralString = """
CREATE TABLE {t} (
    id bigint PRIMARY KEY,
    a int NOT NULL,
    b int,
    c int NOT NULL,
    d timestamptz NOT NULL,
    e text NOT NULL,
    f bigint NOT NULL
)
"""
ROWS: LiteralString = """
INSERT INTO {t}
SELECT g, g % 50, nullif(g % 200, 0), g % 1000, now() - g * interval '1 minute',
       'name' || (g % 300), 1 + g % {n}
  FROM generate_series(1, {n}) g
"""

# (statement, parameters for the i-th run); {t} the table, {u} the next table (for joins)
SHAPES: tuple[tuple[LiteralString, Any], ...] = (
    ("SELECT * FROM {t} WHERE a = %s", lambda i: (i % 50,)),
    ("SELECT id, b FROM {t} WHERE b = %s AND c > %s", lambda i: (i % 200, 500)),
    ("SELECT count(*) FROM {t} WHERE c BETWEEN %s AND %s", lambda i: (i % 900, i % 900 + 20)),
    ("SELECT * FROM {t} WHERE a = %s ORDER BY d DESC LIMIT 10", lambda i: (i % 50,)),
    ("SELECT e FROM {t} WHERE lower(e) = %s", lambda i: (f"name{i % 300}",)),
    ("SELECT x.id FROM {t} x JOIN {u} y ON y.id = x.f WHERE x.b = %s", lambda i: (i % 200,)),
    (
        "SELECT a, count(*) FROM {t} WHERE d > now() - %s::interval GROUP BY a",
        lambda i: (f"{1 + i % 24} hours",),
    ),
    ("UPDATE {t} SET c = c + 1 WHERE id = %s", lambda i: (1 + i,)),
    # (not "a = ANY($1)": the fingerprint counts it as the "a = $1" above, by design)
    ("SELECT * FROM {t} WHERE c = %s AND a = %s", lambda i: (i % 1000, i % 50)),
    ("SELECT * FROM {t} WHERE b IS NULL AND f = %s", lambda i: (1 + i,)),
)


def table_name(i: int) -> sql.Identifier:
    return sql.Identifier(f"t{i:04d}")


def schema(tables: int, rows: int) -> Iterator[sql.Composed]:
    """CREATE TABLE and INSERT statements for ``tables`` tables of ``rows`` rows."""
    for i in range(tables):
        yield sql.SQL(TABLE).format(t=table_name(i))
        yield sql.SQL(ROWS).format(t=table_name(i), n=sql.Literal(rows))


def statements(tables: int, count: int) -> Iterator[tuple[sql.Composed, Any]]:
    """``count`` distinct statements with their parameter makers, table by table."""
    made = 0
    for shape, params in SHAPES:
        for i in range(tables):
            if made == count:
                return
            yield (
                sql.SQL(shape).format(t=table_name(i), u=table_name((i + 1) % tables)),
                params,
            )
            made += 1
