"""The schema architect's checklist asked of a live schema and of the migration that would create
it: the same objects get the same findings, rule by rule. Then the cases only a migration has:
an index or a key that comes later in the same run, or that the database already has. (Down
migrations, the checklist's last item, exist only for migrations: test_lint_transactions.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.lint.config import LintConfig
from advisor.lint.live import lint as lint_live
from advisor.lint.migration.run import lint
from advisor.lint.model import LintFinding

SCHEMA = """
CREATE TABLE shop_item (
    id integer PRIMARY KEY,
    unit_price real NOT NULL,
    list_price double precision,
    total numeric,
    quantity integer NOT NULL,
    vat_rate numeric NOT NULL,
    currency text NOT NULL,
    created timestamp NOT NULL
);
CREATE TABLE shop_parent (id bigint PRIMARY KEY);
CREATE TABLE shop_child (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES shop_parent);
CREATE TABLE shop_log (line text NOT NULL);
"""
CHECKLIST = {
    "money-float-type",
    "money-numeric-unbounded",
    "timestamp-without-time-zone",
    "int-key",
    "fk-without-index",
    "no-primary-key",
}
EXPECTED = {
    ("money-float-type", "shop_item", "unit_price"),
    ("money-float-type", "shop_item", "list_price"),
    ("money-numeric-unbounded", "shop_item", "total"),
    ("timestamp-without-time-zone", "shop_item", "created"),
    ("int-key", "shop_item", "id"),
    ("fk-without-index", "shop_child", "parent_id"),
    ("no-primary-key", "shop_log", None),
}


def checklist(findings: tuple[LintFinding, ...]) -> set[tuple[str, str | None, str | None]]:
    return {(f.rule, f.table, f.column) for f in findings if f.rule in CHECKLIST}


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    return make_db(SCHEMA, hypopg=False)


def test_live_schema(db: Any) -> None:
    assert checklist(lint_live(db.dsn, LintConfig()).findings) == EXPECTED


def test_the_migration_that_creates_it(tmp_path: Path) -> None:
    path = write(tmp_path, "001_shop.sql", "BEGIN;\n" + SCHEMA + "COMMIT;\n")
    assert checklist(lint([path], LintConfig()).findings) == EXPECTED


def test_the_index_may_come_in_the_same_file_or_later_in_the_run(tmp_path: Path) -> None:
    tables = (
        "CREATE TABLE p (id bigint PRIMARY KEY);\n"
        "CREATE TABLE c (id bigint PRIMARY KEY, p_id bigint REFERENCES p, q_id bigint);\n"
        "CREATE TABLE q (id bigint PRIMARY KEY, c_id bigint REFERENCES c);\n"
        "CREATE INDEX q_c_id_idx ON q (c_id);\n"
    )
    first = write(tmp_path, "001_tables.sql", "BEGIN;\n" + tables + "COMMIT;\n")
    alone = lint([first], LintConfig()).findings
    assert checklist(alone) == {("fk-without-index", "c", "p_id")}
    (finding,) = [f for f in alone if f.rule == "fk-without-index"]
    assert finding.fix_sql == "CREATE INDEX IF NOT EXISTS c_p_id_idx ON c (p_id);"
    # a key-led index in a later migration (composite, led by the column) serves the key
    write(
        tmp_path, "002_index.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS c_p ON c (p_id, id);\n"
    )
    assert checklist(lint([tmp_path], LintConfig()).findings) == set()


def test_an_index_the_database_has_already_counts(db: Any, tmp_path: Path) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS shop_child_parent_idx ON shop_child (parent_id)")
    path = write(
        tmp_path,
        "m.sql",
        "SET lock_timeout = '1s';\n"
        "ALTER TABLE shop_child DROP CONSTRAINT IF EXISTS shop_child_parent_fk;\n"
        "ALTER TABLE shop_child ADD CONSTRAINT shop_child_parent_fk\n"
        "    FOREIGN KEY (parent_id) REFERENCES shop_parent NOT VALID;\n",
    )
    without = lint([path], LintConfig()).findings
    assert ("fk-without-index", "shop_child", "parent_id") in checklist(without)
    live = lint([path], LintConfig(), dsn=db.dsn, use_database=True).findings
    assert checklist(live) == set()
    db.execute("DROP INDEX shop_child_parent_idx")
    (finding,) = [
        f
        for f in lint([path], LintConfig(), dsn=db.dsn, use_database=True).findings
        if f.rule == "fk-without-index"
    ]
    assert finding.fix_sql == (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS shop_child_parent_id_idx ON shop_child"
        " (parent_id);"
    )


def test_a_key_added_later_in_the_run_counts(tmp_path: Path) -> None:
    write(tmp_path, "001_table.sql", "CREATE TABLE visits (k bigint NOT NULL, at timestamptz);\n")
    assert checklist(lint([tmp_path], LintConfig()).findings) == {
        ("no-primary-key", "visits", None)
    }
    write(tmp_path, "002_key.sql", "ALTER TABLE visits ADD PRIMARY KEY (k);\n")
    assert checklist(lint([tmp_path], LintConfig()).findings) == set()
