"""Paired timings (``benchmarks.tpch.paired``) on a real server: the side without the set does
not see its indexes, the indexes survive, and an instance that times out without the set is run
without it only once. No timings of the machine are asserted: the statements sleep by a rule."""

from __future__ import annotations

from typing import Any

import psycopg

from advisor.apply.validate import ValidateOptions, candidates
from benchmarks.tpch import build, params
from benchmarks.tpch.bench import DEFAULT_PARAM_SETS
from benchmarks.tpch.paired import PairedSet, render
from benchmarks.tpch.pairs import PairedRunner, Pairs
from benchmarks.tpch.queries import TpchQuery

SCHEMA = """
CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 10000) g;
"""
INDEX = {
    "schema": "public", "table": "t", "name": "t_v_idx", "columns": ["v"], "include": [],
    "method": "btree", "estimated_size_bytes": 0,
    "create_sql": "CREATE INDEX t_v_idx ON public.t (v)", "drop_sql": "DROP INDEX public.t_v_idx",
}  # fmt: skip
# sleeps 0.4 s where the index is missing, not at all where it is there
SEES = "SELECT pg_sleep(CASE WHEN to_regclass('public.t_v_idx') IS NULL THEN 0.4 ELSE 0 END)"
# sleeps past the timeout without the index: a statement that only a set makes finish
NEEDS = "SELECT pg_sleep(CASE WHEN to_regclass('public.t_v_idx') IS NULL THEN 5 ELSE 0 END)"
TIMEOUT_S = 2.0


def test_without_runs_do_not_see_the_set_and_timeouts_are_not_repeated(make_db: Any) -> None:
    db = make_db(SCHEMA)
    built = build.build(db.dsn, [INDEX])
    assert built[0].error is None
    instances = [TpchQuery(1, "sees", SEES), TpchQuery(2, "needs", NEEDS)]
    runner = PairedRunner(db.dsn, TIMEOUT_S, runs=3)
    pairs = runner.pairs(instances, built)
    failed = [build.BuiltIndex(**{**vars(built[0]), "error": "refused"})]
    assert runner.pairs(instances, failed) == {}  # nothing built: nothing to pair, no empty DROP
    sees, needs = pairs[(1, 1)], pairs[(2, 1)]
    assert len(sees.without) == len(sees.with_set) == 3
    assert all(s is not None and s >= 0.35 for s in sees.without), sees
    assert all(s is not None and s < 0.35 for s in sees.with_set), sees
    # timed out without the set once, then counted at the timeout without running again
    assert needs.without == (None, None, None) and runner.always_times_out == {(2, 1)}
    assert all(s is not None for s in needs.with_set)
    with psycopg.connect(db.dsn) as conn:  # the drops were rolled back
        assert conn.execute("SELECT to_regclass('public.t_v_idx') IS NOT NULL").fetchone() == (
            True,
        )


def test_slower_means_slower_in_every_pair_and_beyond_the_target() -> None:
    steady = Pairs((1.0, 1.0, 1.0), (1.5, 1.4, 1.3), 60.0)
    mixed = Pairs((1.0, 1.0, 1.0), (1.5, 0.9, 1.3), 60.0)  # faster in one pair
    slight = Pairs((1.0, 1.0), (1.1, 1.1), 60.0)
    fixed = Pairs((None, None), (0.5, 0.6), 60.0)
    assert all(p.slower(1.2) for p in (steady,)) and not any(
        p.slower(1.2) for p in (mixed, slight, fixed)
    )
    assert fixed.ratio < 0.02  # a timeout counts as the timeout
    text = render([PairedSet("250MB", (), {(6, 1): steady, (17, 1): fixed})], "cmd", 3)
    assert "| Q6 | 1.00 | 1.40 | 1.40 | **slower**: set 1 |" in text
    assert "1 of 2 instances slower" in text


def test_validated_build_keeps_what_apply_keeps_and_reads_its_size(make_db: Any) -> None:
    """``--validate``: the set goes through ``advisor apply --validate``; the statement that
    reads the index is run before and after (any slowdown allowed here: no timer decides)."""
    db = make_db(SCHEMA)
    lookup = "SELECT count(*) FROM t WHERE v = 3"
    options = ValidateOptions(runs=1, max_slowdown=1e6)
    done = build.build_validated(db.dsn, [INDEX], [lookup], options, lambda _m: None)
    try:
        (kept,) = done.kept
        assert done.reverted == [] and kept.error is None and kept.real_bytes > 0
        assert db.execute("SELECT to_regclass('public.t_v_idx') IS NOT NULL") == [(True,)]
    finally:
        build.drop(db.dsn, [INDEX])


def test_held_out_statements_are_never_the_timed_ones() -> None:
    """apply --validate judges a set on statements the pairs do not time; every one may run."""
    timed = {q.sql for q in params.instances(DEFAULT_PARAM_SETS)}
    held = params.held_out(timed)
    assert len(held) == 22 and not timed & set(held)
    assert [c.reason for c in candidates(held)] == [None] * 22
