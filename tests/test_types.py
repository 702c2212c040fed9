"""Expression types as ``advisor.parse.types`` infers them, checked against the server's own
``pg_typeof`` for the same expressions."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from pglast import ast, parse_sql

from advisor.parse.types import expression_type

COLUMNS = {"i": "integer", "s": "smallint", "b": "bigint", "n": "numeric", "f": "double precision",
           "d": "date", "t": "text", "ts": "timestamp without time zone"}  # fmt: skip
ROW = (
    "(VALUES (1::int, 1::smallint, 1::bigint, 1.5::numeric, 1.5::float8, date '2020-01-01', "
    "'2020-01-02'::text, timestamp '2020-01-01')) v(i, s, b, n, f, d, t, ts)"
)
EXPRESSIONS = [
    "i", "i + 1", "i + b", "i * n", "n / 2", "f - i", "-i", "count(*)", "sum(i)", "sum(s)",
    "sum(b)", "sum(n)", "avg(i)", "avg(f)", "min(d)", "max(t)", "d - d", "d + 7", "d - 1",
    "d + interval '1 day'", "ts - interval '1 hour'", "coalesce(i, 0)", "greatest(n, 1)",
    "CASE WHEN i > 0 THEN n ELSE 0 END", "upper(t)", "length(t)", "i::numeric(9, 2)",
    "cast(t AS date)", "3000000000", "1.5", "t || 'y'", "round(n, 2)", "abs(i)",
    "row_number() OVER ()", "rank() OVER (ORDER BY i)", "extract(year FROM d)", "i > 1",
    "(SELECT max(i) FROM (VALUES (1)) w(i))",
]  # fmt: skip


def lookup(node: ast.Node) -> str | None:
    if isinstance(node, ast.ColumnRef) and node.fields:
        name = node.fields[-1]
        return COLUMNS.get(name.sval or "") if isinstance(name, ast.String) else None
    if isinstance(node, ast.SubLink) and isinstance(node.subselect, ast.SelectStmt):
        target = node.subselect.targetList[0] if node.subselect.targetList else None
        if isinstance(target, ast.ResTarget):
            return expression_type(target.val, lambda _n: "integer")
    return None


@pytest.fixture(scope="module")
def server_types(pg_server: Any) -> dict[str, str]:
    found = {}
    with psycopg.connect(pg_server.admin_dsn) as conn:
        for expression in EXPRESSIONS:
            row = conn.execute(f"SELECT pg_typeof({expression})::text FROM {ROW}").fetchone()
            assert row is not None
            found[expression] = str(row[0])
    return found


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_inferred_type_is_the_servers(expression: str, server_types: dict[str, str]) -> None:
    select = parse_sql(f"SELECT {expression}")[0].stmt
    assert isinstance(select, ast.SelectStmt) and select.targetList
    target = select.targetList[0]
    assert isinstance(target, ast.ResTarget)
    assert expression_type(target.val, lookup) == server_types[expression]
