"""squawk's rules, one by one: for each, a migration squawk's documentation calls unsafe (flagged
by the check that answers the rule) and the safe rewrite it documents (flagged by no rule at
all), linted without and with a database. The corpus is tests/lint_corpus/squawk/<rule>/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from advisor.lint import registry
from advisor.lint.config import LintConfig
from advisor.lint.migration.run import lint
from advisor.lint.model import LintReport

CORPUS = Path(__file__).parent / "lint_corpus" / "squawk"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())

# The rules issue 20 lists (squawk 2.x's documented rules).
SQUAWK_RULES = {
    "adding-field-with-default",
    "adding-foreign-key-constraint",
    "adding-not-nullable-field",
    "adding-primary-key-constraint",
    "adding-required-field",
    "adding-serial-primary-key-field",
    "ban-alter-domain-with-add-constraint",
    "ban-char-field",
    "ban-concurrent-index-creation-in-transaction",
    "ban-create-domain-with-constraint",
    "ban-drop-column",
    "ban-drop-database",
    "ban-drop-not-null",
    "ban-drop-table",
    "ban-truncate-cascade",
    "changing-column-type",
    "constraint-missing-not-valid",
    "disallowed-unique-constraint",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-robust-stmts",
    "prefer-text-field",
    "prefer-timestamptz",
    "renaming-column",
    "renaming-table",
    "require-concurrent-index-creation",
    "require-concurrent-index-deletion",
    "require-concurrent-partition-detach",
    "require-concurrent-reindex",
    "require-timeout-settings",
    "transaction-nesting",
}

SCHEMA = """
CREATE DOMAIN positive_amount AS numeric(12, 2);
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(20),
    name text,
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    legacy_flag boolean,
    nickname text,
    view_count bigint
);
INSERT INTO accounts (email, name, view_count)
SELECT 'a' || g || '@x.io', 'n' || g, g FROM generate_series(1, 200) g;
CREATE TABLE ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL,
    amount positive_amount NOT NULL,
    booked_at timestamptz NOT NULL DEFAULT now(),
    memo text,
    user_id integer
);
INSERT INTO ledger (account_id, amount, memo, user_id)
SELECT 1 + g % 200, g % 500 + 1, repeat('m', 20), g FROM generate_series(1, 20000) g;
CREATE INDEX ledger_booked_idx ON ledger (booked_at);
CREATE INDEX ledger_memo_idx ON ledger (memo);
CREATE TABLE legacy_items (id bigint NOT NULL, label text);
CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (id, at))
    PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE staging_a (id bigint PRIMARY KEY);
CREATE TABLE staging_b (id bigint PRIMARY KEY, a_id bigint REFERENCES staging_a);
CREATE INDEX staging_b_a_id_idx ON staging_b (a_id);
"""


def expected(case: str) -> set[str]:
    header = (CORPUS / case / "unsafe.sql").read_text().splitlines()[0]
    match = re.fullmatch(r"-- expect: (.+)", header)
    assert match, f"{case}: the first line of unsafe.sql must be '-- expect: ...'"
    return {r.strip() for r in match.group(1).split(",")}


def rules(report: LintReport) -> set[str]:
    return {f.rule for f in report.findings}


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA, hypopg=False)
    database.execute("VACUUM ANALYZE")
    return database


def test_every_squawk_rule_has_a_case_and_a_check() -> None:
    assert set(CASES) == SQUAWK_RULES
    assert set(registry.squawk_map()) == SQUAWK_RULES


@pytest.mark.parametrize("case", CASES)
def test_unsafe_is_flagged_by_the_check_that_answers_the_rule(case: str) -> None:
    report = lint([CORPUS / case / "unsafe.sql"], LintConfig())
    assert rules(report) == expected(case)
    assert rules(report) & set(registry.squawk_map()[case])


@pytest.mark.parametrize("case", CASES)
def test_unsafe_is_flagged_with_dsn(case: str, db: Any) -> None:
    report = lint([CORPUS / case / "unsafe.sql"], LintConfig(), dsn=db.dsn, use_database=True)
    assert rules(report) == expected(case), [(f.rule, f.detail) for f in report.findings]


@pytest.mark.parametrize("case", CASES)
def test_documented_safe_rewrite_passes_every_rule(case: str) -> None:
    report = lint([CORPUS / case / "safe"], LintConfig())
    assert report.findings == (), [(f.rule, f.location, f.detail) for f in report.findings]


@pytest.mark.parametrize("case", CASES)
def test_documented_safe_rewrite_passes_with_dsn(case: str, db: Any) -> None:
    report = lint([CORPUS / case / "safe"], LintConfig(), dsn=db.dsn, use_database=True)
    assert report.findings == (), [(f.rule, f.location, f.detail) for f in report.findings]
