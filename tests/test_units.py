"""Pure functions: normalization repair, index names, sizes and durations. No database needed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pglast import parse_sql

from advisor.db.ddl import NAMEDATALEN, index_name, is_plain
from advisor.errors import UsageError
from advisor.model import IndexKey, IndexSpec, TableRef
from advisor.parse import syntax
from advisor.parse.repair import repair_text
from advisor.parse.syntax import Unparsable
from advisor.settings import parse_duration_ms, parse_size
from advisor.sources.sqltext import fingerprint


@pytest.mark.parametrize(
    ("normalized", "expected"),
    [
        ("SELECT * FROM t WHERE d >= date $1", "SELECT * FROM t WHERE d >= $1::date"),
        ("SELECT date $1 + interval $2 month", "SELECT $1::date + $2::interval"),
        ("SELECT interval $1 day to second", "SELECT $1::interval"),
        ("SELECT timestamp with time zone $1", "SELECT $1::timestamp with time zone"),
        ("SELECT extract($1 FROM d) FROM t", "SELECT pg_catalog.date_part($1::text, d) FROM t"),
        ("SELECT EXTRACT ( $1 FROM d) FROM t", "SELECT pg_catalog.date_part($1::text, d) FROM t"),
        ("SELECT double precision $1", "SELECT $1::double precision"),
        ("SELECT * FROM t WHERE a = $1", "SELECT * FROM t WHERE a = $1"),
        ("SELECT substring(a FROM $1 FOR $2) FROM t", "SELECT substring(a FROM $1 FOR $2) FROM t"),
    ],
)
def test_repair_text(normalized: str, expected: str) -> None:
    assert repair_text(normalized).sql == expected
    parse_sql(repair_text(normalized).sql)


def test_index_name_fits_63_bytes_and_is_unique() -> None:
    long_col = "ü" * 40
    spec = IndexSpec(TableRef("s", "t" * 50), (IndexKey(long_col), IndexKey("b")))
    first = index_name(spec, set())
    assert len(first.encode()) <= NAMEDATALEN
    second = index_name(spec, {first})
    assert second != first and len(second.encode()) <= NAMEDATALEN


@given(st.text(min_size=1, max_size=80).filter(lambda s: "\x00" not in s))
def test_index_names_are_always_valid(name: str) -> None:
    spec = IndexSpec(TableRef("public", name), (IndexKey(name),))
    result = index_name(spec, {f"{name}_idx"})
    assert 0 < len(result.encode()) <= NAMEDATALEN


def test_plain_identifiers() -> None:
    assert is_plain("orders") and is_plain("order_id")
    assert not is_plain("Orders") and not is_plain("select") and not is_plain("a b")


def test_sizes_and_durations() -> None:
    assert parse_size("2GB") == 2 * 1024**3 and parse_size("500 MB") == 500 * 1024**2
    assert parse_duration_ms("10s") == 10_000 and parse_duration_ms("250") == 250
    with pytest.raises(UsageError):
        parse_size("lots")


def test_case_results_under_sum_get_a_numeric_type() -> None:
    from pglast.stream import RawStream

    from advisor.parse.repair import type_case_results

    node = parse_sql("SELECT sum(CASE WHEN a = $1 THEN $2 ELSE $3 END), max($4) FROM t")[0].stmt
    assert type_case_results(node)
    text = RawStream()(node)
    assert "CAST($2 AS numeric)" in text and "CAST($3 AS numeric)" in text
    assert "max($4)" in text


# -- pglast behind one door: parse errors become a reason, bugs stay bugs --------------------


def test_unparsable_text_gets_a_reason_and_a_location() -> None:
    with pytest.raises(Unparsable) as caught:
        syntax.parse("SELECT * FORM t")
    assert caught.value.reason.startswith("syntax error at or near")
    assert caught.value.location == len("SELECT * ")
    with pytest.raises(Unparsable, match="not valid UTF-8"):
        syntax.fingerprint("SELECT '\ud800'")  # a lone surrogate: no UTF-8 for the parser
    for call in (syntax.normalize, syntax.parse_json, syntax.scan, syntax.split):
        with pytest.raises(Unparsable):
            call("SELECT 'unterminated")


def test_a_bug_is_not_unparsable() -> None:
    """Only the parser's refusals are reasons: a wrong argument still fails as the bug it is."""
    with pytest.raises((TypeError, AttributeError)):
        syntax.parse(None)  # type: ignore[arg-type]
    with pytest.raises((TypeError, AttributeError)):
        fingerprint(42)  # type: ignore[arg-type]


def test_an_unparsable_statement_is_skipped_with_the_parser_s_words() -> None:
    from advisor.collect.catalog import Catalog
    from advisor.model import Skipped, Statement
    from advisor.parse.statement import analyse

    statement = Statement(None, (), "SELECT * FORM t", 1, 1.0, 1.0)
    result = analyse(statement, Catalog(tables={}, indexes={}, search_path=("public",)))
    assert isinstance(result, Skipped)
    assert result.reason == 'unparsable: syntax error at or near "FORM"'


def test_pglast_is_reached_through_parse_syntax_only() -> None:
    """The parser is called from one module, and no ``except Exception`` hides a bug."""
    root = Path(__file__).parents[1] / "advisor"
    calls = re.compile(r"\bparse_sql\(|\bparser\.(?:scan|split|fingerprint|normalize|parse)")
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "except Exception" not in text, path
        if path.name != "syntax.py":
            assert not calls.search(text), path


@pytest.mark.parametrize(
    ("printed", "parsed"),
    [
        ("(c.id = $0)", "c.id = $0"),  # 13-15: an initplan's output
        ("(c.id = (InitPlan 1).col1)", "c.id = (SELECT NULL)"),  # 17+
        ("((hashed SubPlan 1) OR (c.name = 'x'::text))", "(SELECT NULL) OR c.name = 'x'::text"),
        ("(c.n > (SubPlan 2))", "c.n > (SELECT NULL)"),
        ("(alternatives: SubPlan 1 or hashed SubPlan 2)", "(SELECT NULL)"),
        ("(NOT EXISTS(SubPlan 3))", "NOT EXISTS (SELECT NULL)"),
        ("(o.status = 'SubPlan'::text)", "o.status = 'SubPlan'::text"),
    ],
)
def test_plan_expressions_with_subplans_parse(printed: str, parsed: str) -> None:
    """EXPLAIN prints subplan references that are not SQL; each becomes a scalar subquery."""
    from pglast.stream import RawStream

    from advisor.parse.plan import _parse

    stmt, expected = _parse(f"SELECT 1 WHERE {printed}"), _parse(f"SELECT 1 WHERE {parsed}")
    assert stmt is not None and stmt.whereClause is not None
    assert expected is not None and expected.whereClause is not None
    assert RawStream()(stmt.whereClause) == RawStream()(expected.whereClause)


def test_sort_order_of_keys_compares_and_renders_only_what_differs() -> None:
    assert IndexKey("a", nulls_first=False) == IndexKey("a")
    assert IndexKey("a", descending=True, nulls_first=True) == IndexKey("a", descending=True)
    assert IndexKey("a", descending=True).order == (True, True)
    assert IndexKey("a", nulls_first=True).order_sql == "NULLS FIRST"
    assert IndexKey("a", descending=True, nulls_first=False).order_sql == "DESC NULLS LAST"
    assert IndexKey("a", descending=True).column == IndexKey("a")
    spec = IndexSpec(TableRef("s", "t"), (IndexKey("a", descending=True), IndexKey("b")))
    assert spec.describe() == "s.t USING btree (a DESC, b)"
