"""``--apply-fixes`` of the TPC-H benchmark: the labels of the runs after the fixes, the option,
which fixes are collected from the advisor's JSON, and how they are applied (a real server; the
whole path runs in the smoke benchmark when the advisor reports a fix at its scale)."""

from __future__ import annotations

from typing import Any

import pytest

from advisor.db import ddl
from advisor.errors import AdvisorError
from benchmarks.tpch.advisor_run import AdvisorRun
from benchmarks.tpch.bench import FIXES_SUFFIX, apply_fixes, base_budget, fixed_chosen, fixes_of
from benchmarks.tpch.run import options_from, parser

FIX = ddl.set_n_distinct("public", "t", "a", 0.5).as_string(None)
RESTORE = ddl.reset_n_distinct("public", "t", "a").as_string(None)


def _run(findings: list[dict[str, Any]] | None, exit_code: int = 0) -> AdvisorRun:
    report: dict[str, Any] = {"recommendations": []}
    if findings is not None:
        report["findings"] = findings
    return AdvisorRun("1GB", (), exit_code, 1.0, 0, report if exit_code == 0 else None, "")


def test_base_budget_strips_the_fixes_suffix() -> None:
    assert FIXES_SUFFIX == "+fixes"
    assert base_budget("250MB+fixes") == "250MB"
    assert base_budget("unbounded+fixes") == "unbounded"
    assert base_budget("0.5GB") == "0.5GB"
    assert base_budget("Extend 1GB") == "Extend 1GB"
    # --build: a budget builds its run after the fixes too; a fixed label only that one
    assert fixed_chosen(None) is None
    assert fixed_chosen(()) == ()
    assert fixed_chosen(("1GB", "2GB+fixes")) == ("1GB+fixes", "2GB+fixes")


def test_apply_fixes_option() -> None:
    assert options_from(parser().parse_args([]), []).apply_fixes is False
    argv = ["--budgets", "250MB,unbounded", "--apply-fixes", "--build", "250MB,1GB+fixes"]
    options = options_from(parser().parse_args(argv), argv)
    assert options.apply_fixes is True
    assert options.budgets == ("250MB", "unbounded")
    assert options.build == ("250MB", "1GB+fixes")
    assert options_from(parser().parse_args(["--smoke", "--apply-fixes"]), []).apply_fixes
    # a run's label is not a --max-size: the advisor would not read it
    bad = ["--budgets", "1GB+fixes"]
    with pytest.raises(AdvisorError):
        options_from(parser().parse_args(bad), bad)
    assert "--apply-fixes" in parser().format_help()


def test_fixes_are_collected_once_in_order_from_the_ok_runs() -> None:
    other = "ANALYZE public.u (b)"
    runs = [
        _run(None),  # an older advisor: no findings key
        _run([{"kind": "unused", "fix_sql": None}, {"kind": "x", "fix_sql": "  "}]),
        _run([{"kind": "distinct_underestimated", "fix_sql": FIX, "restore_sql": RESTORE}]),
        _run([{"fix_sql": other}, {"fix_sql": FIX, "restore_sql": RESTORE}]),
        _run([{"fix_sql": "ANALYZE never_applied"}], exit_code=1),  # a failed run
    ]
    assert fixes_of(runs) == {FIX: RESTORE, other: None}
    assert fixes_of([]) == {}


def test_apply_fixes_runs_each_fix_untracked(make_db: Any) -> None:
    db = make_db(
        "CREATE TABLE t (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a, b));"
        "INSERT INTO t SELECT g / 4, g % 4 FROM generate_series(0, 3999) g;"
    )
    apply_fixes(db.dsn, [FIX])  # two statements in one string
    options = db.execute(
        "SELECT attoptions FROM pg_attribute WHERE attrelid = 'public.t'::regclass "
        "AND attname = 'a'"
    )
    assert options == [(["n_distinct=-0.5"],)]
    recorded = db.execute(
        "SELECT query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = current_database() AND (query ILIKE '%n_distinct%' OR query ILIKE "
        "'ANALYZE%')"
    )
    assert recorded == []  # the workload the advisor reads stays the replay's
    apply_fixes(db.dsn, [RESTORE])
    assert db.execute(
        "SELECT attoptions FROM pg_attribute WHERE attrelid = 'public.t'::regclass "
        "AND attname = 'a'"
    ) == [(None,)]
