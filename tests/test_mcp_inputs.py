"""What the MCP tools accept, decided by the parser: one plannable statement, one CREATE INDEX."""

from __future__ import annotations

import pytest

from advisor.mcp.explain import writing_functions
from advisor.mcp.inputs import Refused, hypothetical_index, plannable

ACCEPTED = [  # (statement, kind, parameters)
    ("SELECT * FROM t WHERE a = $1", "SELECT", 1),
    ("select * from t where a = 1;", "SELECT", 0),
    ("INSERT INTO t SELECT * FROM s WHERE b > $2", "INSERT", 2),
    ("UPDATE t SET a = $1 WHERE id = $2", "UPDATE", 2),
    ("DELETE FROM t WHERE id = 4", "DELETE", 0),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "MERGE", 0),
    ("VALUES (1, 'a'), (2, 'b')", "VALUES", 0),
    ("WITH x AS (SELECT 1) SELECT * FROM x", "SELECT", 0),
    ("WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d", "SELECT", 0),
    ("TABLE t", "SELECT", 0),
    ("SELECT 1 -- a comment; DROP TABLE t", "SELECT", 0),
    # a pg_stat_statements text the server would not parse as is (repaired first)
    ("SELECT * FROM t WHERE created > now() - interval $1", "SELECT", 1),
]

REFUSED = [  # (text, part of the reason)
    ("SELECT 1; DROP TABLE t", "2 statements"),
    ("DROP TABLE t", "DROP is not accepted"),
    ("COPY t TO PROGRAM 'rm -rf /'", "COPY is not accepted"),
    ("COPY (SELECT 1) TO '/tmp/x'", "COPY is not accepted"),
    ("CREATE INDEX ON t (a)", "CREATE INDEX is not accepted"),
    ("EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN is not accepted"),
    ("SELECT * INTO new_t FROM t", "creates a table"),
    ("CREATE TABLE x AS SELECT 1", "CREATE TABLE AS is not accepted"),
    ("DO $$ BEGIN PERFORM 1; END $$", "DO is not accepted"),
    ("CALL p()", "CALL is not accepted"),
    ("SET default_transaction_read_only = off", "SET is not accepted"),
    ("BEGIN READ WRITE", "a transaction command is not accepted"),
    ("PREPARE p AS DELETE FROM t", "PREPARE is not accepted"),
    ("ALTER SYSTEM SET fsync = off", "is not accepted"),
    ("", "empty"),
    ("-- nothing but a comment", "empty"),
    ("SELECT FROM WHERE", "does not parse"),
]


@pytest.mark.parametrize(("text", "kind", "params"), ACCEPTED)
def test_plannable_statements(text: str, kind: str, params: int) -> None:
    checked = plannable(text)
    assert (checked.kind, checked.param_count) == (kind, params)
    # what is planned is the parser's print of the one statement, which parses back to it
    assert plannable(checked.text).text == checked.text
    assert ";" not in checked.text and "DROP" not in checked.text


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_refused_statements(text: str, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        plannable(text)


def test_functions_are_listed_as_written() -> None:
    checked = plannable(
        "SELECT lower(a), public.f(b), count(*) FROM t, LATERAL g(t.x) WHERE h(a) IN (SELECT k())"
    )
    assert checked.functions == ("count", "g", "h", "k", "lower", "public.f")


def test_hypothetical_indexes() -> None:
    index = hypothetical_index(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS my_name ON s.t (a DESC, lower(b)) "
        "INCLUDE (c) WHERE d IS NULL"
    )
    again = hypothetical_index(index.text)
    assert again == index and index.method == "btree"
    assert "my_name" not in index.text and "CONCURRENTLY" not in index.text
    assert "IF NOT EXISTS" not in index.text and "UNIQUE" in index.text
    assert hypothetical_index("CREATE INDEX ON t USING brin (a)").method == "brin"
    for text, reason in [
        ("CREATE INDEX ON t (a); DROP TABLE t", "2 statements"),
        ("DROP INDEX i", "must be CREATE INDEX statements, not DROP"),
        ("SELECT 1", "must be CREATE INDEX statements, not SELECT"),
        ("CREATE INDEX ON", "does not parse"),
    ]:
        with pytest.raises(Refused, match=reason):
            hypothetical_index(text)


VOLATILITY = {  # as advisor.lint.catalog.function_volatility gives it
    "lower": "i", "pg_catalog.lower": "i",
    "random": "v", "pg_catalog.random": "v",
    "nextval": "v", "pg_catalog.nextval": "v",
    "now": "s", "pg_catalog.now": "s",
    "log_note": "v", "public.log_note": "v",
    "shadow": "v", "pg_catalog.shadow": "i", "app.shadow": "v",
    "fold": "i", "public.fold": "i",
}  # fmt: skip


def test_writing_functions() -> None:
    assert writing_functions(["lower", "now", "random", "fold"], VOLATILITY) == []
    assert writing_functions(["pg_catalog.random", "pg_catalog.shadow"], VOLATILITY) == []
    assert writing_functions(["nextval", "log_note", "public.log_note"], VOLATILITY) == [
        "nextval",
        "log_note",
        "public.log_note",
    ]
    # an unqualified name may resolve to the volatile overload of another schema
    assert writing_functions(["shadow", "app.shadow"], VOLATILITY) == ["shadow", "app.shadow"]
    # a function not in the catalog is left to the server, which will not find it either
    assert writing_functions(["unknown"], VOLATILITY) == []
