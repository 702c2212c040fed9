"""Pure pieces of the lint: expression helpers, type-change rules, locks, directives, config,
name heuristics, the sequence estimate. No database needed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pglast import parse_sql

from advisor.errors import UsageError
from advisor.lint import config as config_mod
from advisor.lint.catalog import ColumnInfo, TableInfo, ignored_rules
from advisor.lint.config import Silence
from advisor.lint.filters import is_silenced, names_of
from advisor.lint.history import exhaustion_date
from advisor.lint.migration import locks
from advisor.lint.migration.source import parse
from advisor.lint.migration.typechange import rewrites
from advisor.lint.model import LintFinding, Severity
from advisor.lint.naming import (
    is_email_column,
    is_money_column,
    is_money_name,
    is_person_name_column,
)
from advisor.lint.sqlexpr import calls_per_row, parse_expression, wrap_calls
from advisor.model import TableRef


def test_calls_per_row_tells_row_independent_calls_apart() -> None:
    node = parse_expression(
        "(owner = auth.uid()) AND is_member(team_id) AND org = (SELECT current_org())"
    )
    assert node is not None
    calls = [(c.name, c.row_independent) for c in calls_per_row(node)]
    assert calls == [("auth.uid", True), ("is_member", False)]


def test_wrap_calls_wraps_the_outermost_row_independent_call() -> None:
    text = "(tenant = lower(current_setting('app.tenant'::text))) AND (owner = auth.uid())"
    assert wrap_calls(text, lambda c: True) == (
        "tenant = (SELECT lower(current_setting(CAST('app.tenant' AS text)))) "
        "AND owner = (SELECT auth.uid())"
    )
    assert wrap_calls("owner = (SELECT auth.uid())", lambda c: True) is None


@pytest.mark.parametrize(
    ("old", "new", "verdict"),
    [
        (("varchar", (20,)), ("varchar", (50,)), False),
        (("varchar", (50,)), ("varchar", (20,)), True),
        (("varchar", (20,)), ("text", ()), False),
        (("text", ()), ("varchar", ()), False),
        (("text", ()), ("varchar", (10,)), True),
        (("numeric", (12, 2)), ("numeric", (16, 2)), False),
        (("numeric", (12, 2)), ("numeric", (16, 4)), True),
        (("numeric", (12, 2)), ("numeric", ()), False),
        (("numeric", ()), ("numeric", (12, 2)), True),
        (("int4", ()), ("int8", ()), True),
        (("cidr", ()), ("inet", ()), False),
        (("timestamp", ()), ("timestamptz", ()), None),
    ],
)
def test_type_changes_that_rewrite(
    old: tuple[str, tuple[int, ...]], new: tuple[str, tuple[int, ...]], verdict: bool | None
) -> None:
    assert rewrites(old, new) is verdict


@pytest.mark.parametrize(
    ("statement", "mode"),
    [
        ("ALTER TABLE t ADD COLUMN c int", locks.ACCESS_EXCLUSIVE),
        ("ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p (id)", locks.SHARE_ROW_EXCLUSIVE),
        ("ALTER TABLE t VALIDATE CONSTRAINT c", locks.SHARE_UPDATE_EXCLUSIVE),
        ("CREATE INDEX ON t (a)", locks.SHARE),
        ("CREATE INDEX CONCURRENTLY ON t (a)", locks.SHARE_UPDATE_EXCLUSIVE),
        ("DROP INDEX CONCURRENTLY i", locks.SHARE_UPDATE_EXCLUSIVE),
        ("DROP TABLE t", locks.ACCESS_EXCLUSIVE),
        (
            "CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            locks.SHARE_ROW_EXCLUSIVE,
        ),
        ("UPDATE t SET a = 1", locks.ROW_EXCLUSIVE),
        ("CREATE TABLE t (a int)", None),
    ],
)
def test_lock_modes(statement: str, mode: str | None) -> None:
    node = parse_sql(statement)[0].stmt
    assert node is not None
    assert locks.lock_of(node) == mode


def test_directives_apply_to_their_statement_or_the_next() -> None:
    text = (
        "SET lock_timeout = '1s';\n"
        "BEGIN;\n"
        "-- advisor:ignore drop-column\n"
        "ALTER TABLE t DROP COLUMN a;\n"
        "CREATE INDEX CONCURRENTLY i ON t (a); -- advisor:ignore concurrently-in-transaction\n"
        "COMMIT;\n"
        "ALTER TABLE t\n  ADD COLUMN b int; /* advisor:ignore x, y */\n"
    )
    steps = parse(text, Path("m.sql")).steps
    assert [(s.line, s.in_transaction, sorted(s.ignores)) for s in steps] == [
        (1, False, []),
        (2, False, []),
        (4, True, ["drop-column"]),
        (5, True, ["concurrently-in-transaction"]),
        (6, False, []),
        (7, False, ["x", "y"]),
    ]


def test_ignore_comments_and_patterns() -> None:
    assert ignored_rules("legacy; advisor:ignore no-primary-key, char-type") == {
        "no-primary-key",
        "char-type",
    }
    assert ignored_rules("nothing to see") == frozenset()
    finding = LintFinding("fk-nullable", Severity.INFO, "d", "public", "orders", "coupon_id", "fk")
    assert names_of(finding) == [
        "public.orders",
        "public.orders.coupon_id",
        "public.orders.fk",
        "public.fk",
    ]
    assert is_silenced(finding, [Silence("fk-nullable", "public.orders.*")])
    assert is_silenced(finding, [Silence("*", "*.orders")])
    assert not is_silenced(finding, [Silence("char-type", "public.orders.*")])
    with pytest.raises(UsageError, match="RULE:OBJECT"):
        Silence.parse("fk-nullable")


def test_config_files(tmp_path: Path) -> None:
    (tmp_path / "advisor.toml").write_text(
        '[lint]\ndisable = ["enum-type, char-type"]\nlarge-table = "2GB"\n'
        'sequence-threshold = 0.7\nfail-on = "warning"\n'
    )
    config = config_mod.load(None, tmp_path)
    assert config.disable == {"enum-type", "char-type"}
    assert config.max_blocking_bytes == 2 * 1024**3 and config.sequence_threshold == 0.7
    assert config.fail_level is Severity.WARNING and config.source == tmp_path / "advisor.toml"
    merged = config_mod.override(config, disable=["rename"], fail_on=None)
    assert merged.disable == {"enum-type", "char-type", "rename"} and merged.fail_on == "warning"
    (tmp_path / "advisor.toml").write_text('[lint]\nfail-on = "sometimes"\n')
    with pytest.raises(UsageError, match="fail-on"):
        config_mod.load(None, tmp_path)
    (tmp_path / "advisor.toml").write_text("[lint\n")
    with pytest.raises(UsageError, match="not valid TOML"):
        config_mod.load(None, tmp_path)
    empty = tmp_path / "sub"
    empty.mkdir()
    (empty / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no [tool.advisor]
    assert config_mod.find_config(empty) == tmp_path / "advisor.toml"


def _table(*columns: tuple[str, str]) -> TableInfo:
    cols = tuple(
        ColumnInfo(name, i, kind, True, type_name=kind) for i, (name, kind) in enumerate(columns, 1)
    )
    return TableInfo(1, TableRef("public", "t"), "r", 0.0, 0, 0, cols)


def test_name_heuristics() -> None:
    table = _table(
        ("total_amount", "numeric"),
        ("vat_rate", "numeric"),
        ("total_count", "int4"),
        ("price", "numeric"),
        ("price_currency", "text"),
        ("score", "numeric"),
        ("score_currency", "text"),
    )
    money = [c.name for c in table.columns if is_money_column(table, c.name)]
    assert money == ["total_amount", "price", "score"]
    # the head word decides: a price per unit is money, the unit of a price is not
    assert is_money_name("unit_price") and is_money_name("price_per_unit")
    assert not is_money_name("price_unit") and not is_money_name("vat_rate")
    assert is_person_name_column("last_name") and not is_person_name_column("username")
    assert is_email_column("contact_email") and not is_email_column("emailed")


def test_exhaustion_date() -> None:
    start = datetime(2026, 1, 1)
    points = [(start, 1_000), (start + timedelta(days=10), 2_000)]
    assert exhaustion_date(points, 3_000) == start + timedelta(days=20)
    assert exhaustion_date(points[:1], 3_000) is None
    assert exhaustion_date([(start, 5), (start + timedelta(days=1), 5)], 10) is None
