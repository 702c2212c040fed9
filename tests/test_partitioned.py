"""Partitioned tables end to end: advice, apply, interruption, the sql migration, review.

The table is range-partitioned by time with a default partition and one partition that is
itself hash-partitioned, so an index on it has four leaves and one intermediate level. Every
assertion is about what the catalog says (``pg_index.indisvalid``, ``pg_partition_tree``,
``pg_inherits``) and what EXPLAIN shows.

Interrupted builds use ``slow``, partitioned the same way, and an index on ``slow_key(id)``,
a function that sleeps 2 ms per row: each leaf takes about half a second to index.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.numeric import Int8

from advisor.apply import run, source
from advisor.apply.model import ApplyOptions, Outcome
from advisor.apply.monitor import ProgressSample
from advisor.catalog.names import IndexNames
from advisor.collect.catalog import read_catalog
from advisor.db import ddl
from advisor.errors import ConnectionFailed
from advisor.localdb.cluster import find_bindir
from advisor.migrate.write import write
from advisor.model import IndexKey, IndexSpec, Recommendation, TableRef
from advisor.plan_file import save_plan
from advisor.sources.workload import SourceOptions

SHAPE = """
CREATE TABLE {t} (id bigint NOT NULL, sensor_id int NOT NULL, taken_at timestamptz NOT NULL,
                  value numeric) PARTITION BY RANGE (taken_at);
CREATE TABLE {t}_2024 PARTITION OF {t} FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE {t}_2025 PARTITION OF {t} FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
  PARTITION BY HASH (sensor_id);
CREATE TABLE {t}_2025_h0 PARTITION OF {t}_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE {t}_2025_h1 PARTITION OF {t}_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE {t}_default PARTITION OF {t} DEFAULT;
"""
SCHEMA = (
    SHAPE.format(t="readings")
    + SHAPE.format(t="slow")
    + """
INSERT INTO readings SELECT g, g % 500, timestamptz '2023-07-01' + (g % 900) * interval '1 day', g
  FROM generate_series(1, 60000) g;
INSERT INTO slow SELECT g, g % 500, timestamptz '2023-07-01' + (g % 900) * interval '1 day', g
  FROM generate_series(1, 1200) g;
CREATE FUNCTION slow_key(i bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN PERFORM pg_catalog.pg_sleep(0.002); RETURN i; END $$;
"""
)
LEAVES = {"readings_2024", "readings_2025_h0", "readings_2025_h1", "readings_default"}
BY_SENSOR = "SELECT id, value FROM readings WHERE sensor_id = %s"
BY_ID_2024 = "SELECT value FROM readings_2024 WHERE id = %s"
PARENT_INDEX = "readings_sensor_id_idx"
FAST = ApplyOptions(lock_timeout_ms=500, retries=2, retry_delay_ms=50, poll_interval_s=0.02)


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    database.run(BY_SENSOR, [(i,) for i in range(1, 40)])
    database.run(BY_ID_2024, [(Int8(i),) for i in range(1, 40)])
    return database


@pytest.fixture(scope="module")
def report(db: Any) -> Any:
    return db.analyze()


@pytest.fixture(autouse=True)
def clean(db: Any) -> Any:
    yield
    for name in (PARENT_INDEX, "slow_slow_key_idx", "readings_sensor_id_idx1", "by_hand_idx",
                 "readings_2024_id_idx"):  # fmt: skip
        db.execute(f"DROP INDEX IF EXISTS {name}")
    db.execute("DROP TABLE IF EXISTS readings_2026")


def parent_rec(report: Any) -> Recommendation:
    (rec,) = [r for r in report.recommendations if r.spec.table.name == "readings"]
    return rec


def tree(db: Any, index: str) -> dict[str, tuple[str, bool, str | None]]:
    """Index name -> (its table, indisvalid, the index it is attached to) under ``index``."""
    rows = db.execute(
        "SELECT c.relname, t.relname, i.indisvalid, p.relname"
        "  FROM pg_partition_tree(%s::regclass) pt"
        "  JOIN pg_index i ON i.indexrelid = pt.relid"
        "  JOIN pg_class c ON c.oid = pt.relid JOIN pg_class t ON t.oid = i.indrelid"
        "  LEFT JOIN pg_class p ON p.oid = pt.parentrelid",
        (index,),
    )
    return {name: (table, valid, parent) for name, table, valid, parent in rows}


def invalid_indexes(db: Any, prefix: str, kind: str = "i") -> list[str]:
    """INVALID indexes of relkind ``kind`` (``i``: with storage) on tables named ``prefix*``."""
    rows = db.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " JOIN pg_class t ON t.oid = i.indrelid"
        " WHERE t.relname LIKE %s AND NOT i.indisvalid AND c.relkind = %s",
        (prefix + "%", kind),
    )
    return sorted(r[0] for r in rows)


def plan_json(db: Any, query: str, value: int) -> str:
    with psycopg.connect(db.dsn) as conn:
        row = conn.execute("EXPLAIN (FORMAT JSON) " + query, (value,)).fetchone()
    assert row is not None
    return json.dumps(row[0])


def assert_complete(db: Any, index: str, leaves: set[str]) -> dict[str, Any]:
    """``index`` valid, with a valid index attached on every one of ``leaves``."""
    found = tree(db, index)
    assert found[index][1] is True, found
    assert all(valid for _table, valid, _parent in found.values()), found
    on_leaves = {table for table, _valid, _parent in found.values()} - {index.split("_")[0]}
    assert leaves <= on_leaves, found
    return found


# --- advice -------------------------------------------------------------------------------------


def test_advice_lands_on_the_parent_when_statements_name_it(report: Any, db: Any) -> None:
    rec = parent_rec(report)
    assert rec.spec.key_texts == ("sensor_id",) and rec.name == PARENT_INDEX
    assert {ref.name for ref in rec.partitions} == LEAVES
    first, *rest = rec.create_statements
    assert first.startswith(f"CREATE INDEX IF NOT EXISTS {PARENT_INDEX} ON ONLY public.readings")
    assert "CONCURRENTLY" not in first and all("ON ONLY public.readings " not in s for s in rest)
    assert rec.create_sql == ";\n".join(rec.create_statements)
    assert rec.drop_statements[0] == f"DROP INDEX IF EXISTS public.{PARENT_INDEX}"
    assert rec.hypopg_size_bytes is None  # a parent has no storage: HypoPG's size means nothing
    assert any("existed when this was written" in note for note in rec.notes)
    (effect,) = rec.effects
    assert effect.cost_after is not None and effect.cost_after < effect.cost_before / 2


def test_advice_lands_on_a_partition_when_statements_name_it(report: Any) -> None:
    (rec,) = [r for r in report.recommendations if r.spec.table.name == "readings_2024"]
    assert rec.spec.key_texts == ("id",) and not rec.create_steps and not rec.partitions
    assert rec.create_sql.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS readings_2024_id_idx")


def test_an_index_on_the_parent_serves_a_statement_on_its_partition_too(db: Any) -> None:
    leaf_query = "SELECT id FROM readings_2024 WHERE sensor_id = 7"
    report = db.analyze(SourceOptions(queries=(leaf_query,), with_workload=True))
    on_sensor = [r for r in report.recommendations if r.spec.key_texts == ("sensor_id",)]
    assert [r.spec.table.name for r in on_sensor] == ["readings"]  # not a second one on the leaf
    helped = {e.statement.query for e in on_sensor[0].effects}
    assert leaf_query in helped and any("FROM readings WHERE" in q for q in helped)


def test_size_is_the_sum_over_the_leaves_and_close_to_the_real_one(report: Any, db: Any) -> None:
    rec = parent_rec(report)
    with psycopg.connect(db.dsn) as conn:
        catalog = read_catalog(conn)
    leaves = catalog.leaves(TableRef("public", "readings"))
    assert {t.ref.name for t in leaves} == LEAVES
    assert catalog.tables[TableRef("public", "readings")].reltuples == pytest.approx(
        sum(t.reltuples for t in leaves)
    )
    db.execute(f"CREATE INDEX {PARENT_INDEX} ON readings (sensor_id)")  # the real thing
    [(real,)] = db.execute(
        "SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree(%s::regclass) WHERE isleaf",
        (PARENT_INDEX,),
    )
    assert 0.5 * int(real) < rec.estimated_size_bytes < 2 * int(real), (rec, real)


# --- apply --------------------------------------------------------------------------------------


def test_apply_builds_every_leaf_attaches_them_and_the_planner_uses_them(
    db: Any, report: Any, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.json"
    save_plan(plan, report)
    # after the plan was written: a new partition, and an equivalent index made by hand
    db.execute("CREATE TABLE readings_2026 PARTITION OF readings"
               " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')")  # fmt: skip
    db.execute("CREATE INDEX by_hand_idx ON readings_default (sensor_id)")
    [(by_hand,)] = db.execute("SELECT 'by_hand_idx'::regclass::oid")
    result = run.apply(db.dsn, source.load(plan), FAST)
    parent = next(r for r in result.results if r.index.name == PARENT_INDEX)
    assert result.status == "ok" and parent.outcome is Outcome.CREATED and parent.valid
    assert "1 existing index attached" in parent.message
    found = assert_complete(db, PARENT_INDEX, LEAVES | {"readings_2026"})
    assert found["by_hand_idx"] == ("readings_default", True, PARENT_INDEX)
    assert db.execute("SELECT 'by_hand_idx'::regclass::oid") == [(by_hand,)]  # attached, kept
    assert found["readings_2025_sensor_id_idx"] == ("readings_2025", True, PARENT_INDEX)
    assert found["readings_2025_h0_sensor_id_idx"][2] == "readings_2025_sensor_id_idx"
    assert [c.uses_index for c in parent.checks] == [True]
    plan_text = plan_json(db, BY_SENSOR, 7)
    assert "readings_2024_sensor_id_idx" in plan_text and "by_hand_idx" in plan_text
    again = run.apply(db.dsn, source.load(plan), FAST)
    skipped = next(r for r in again.results if r.index.name == PARENT_INDEX)
    assert skipped.outcome is Outcome.SKIPPED and tree(db, PARENT_INDEX) == found


def test_apply_reads_a_migration_folder_and_keeps_its_partition_index_names(
    db: Any, report: Any, tmp_path: Path
) -> None:
    rec = parent_rec(report)
    renamed = rec.create_sql.replace("readings_2024_sensor_id_idx", "y2024_by_sensor")
    write(tmp_path, [replace(rec, create_sql=renamed, create_steps=())], "sql")
    found = source.load(tmp_path)
    (index,) = [i for i in found.indexes if i.name == PARENT_INDEX]
    assert ("public", "readings_2024", "y2024_by_sensor") in index.partition_names
    result = run.apply(db.dsn, found, FAST)
    (built,) = result.results
    assert built.outcome is Outcome.CREATED and [c.uses_index for c in built.checks] == [True]
    assert assert_complete(db, PARENT_INDEX, LEAVES)["y2024_by_sensor"][0] == "readings_2024"


def test_dry_run_prints_the_steps_from_the_live_tree(db: Any, report: Any) -> None:
    from advisor.plan_file import PlannedIndex

    rec = parent_rec(report)
    index = source.checked(PlannedIndex("public", "readings", rec.name, rec.create_sql, ""))
    lines = run.dry_run(db.dsn, source.Source(Path("plan.json"), (index,)), FAST)
    steps = [line for line in lines if not line.startswith(("--", "SET"))]
    assert steps == [s + ";" for s in rec.create_statements]
    assert tree_exists(db, PARENT_INDEX) is False


def tree_exists(db: Any, name: str) -> bool:
    return bool(db.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))[0][0])


# --- interruption -------------------------------------------------------------------------------


def slow_index() -> source.Source:
    spec = IndexSpec(TableRef("public", "slow"), (IndexKey("slow_key(id)", expression=True),))
    from advisor.plan_file import PlannedIndex

    create = ddl.create_index(spec, "slow_slow_key_idx", concurrently=True, if_not_exists=True)
    index = PlannedIndex("public", "slow", "slow_slow_key_idx", create.as_string(None), "")
    return source.Source(Path("slow.json"), (source.checked(index),))


class StopSecondBuild:
    """A progress sink that cancels (or terminates) the second partition's build mid-scan."""

    def __init__(self, dsn: str, how: str) -> None:
        self.dsn = dsn
        self.how = how
        self.builds = 0
        self.done = False

    def begin(self, label: str) -> None:
        self.builds += 1

    def end(self) -> None:
        pass

    def update(self, sample: ProgressSample) -> None:
        if self.done or self.builds < 2 or not sample.phase.startswith("building index"):
            return
        self.done = True
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(
                f"SELECT {self.how}(pid) FROM pg_stat_progress_create_index"
                " WHERE datname = current_database()"
            )


@pytest.mark.parametrize("how", ["pg_cancel_backend", "pg_terminate_backend", "timeout"])
def test_an_interrupted_build_leaves_no_invalid_leaf_and_a_rerun_finishes(
    db: Any, how: str
) -> None:
    if how == "timeout":
        capped = ApplyOptions(lock_timeout_ms=1000, statement_timeout_ms=200)
        first = run.apply(db.dsn, slow_index(), capped)
        (stopped,) = first.results
        assert stopped.outcome is Outcome.FAILED and "statement-timeout" in stopped.message
    elif how == "pg_terminate_backend":
        with pytest.raises(ConnectionFailed, match="no INVALID partition index left behind"):
            run.apply(db.dsn, slow_index(), FAST, progress=StopSecondBuild(db.dsn, how))
    else:
        first = run.apply(db.dsn, slow_index(), FAST, progress=StopSecondBuild(db.dsn, how))
        (stopped,) = first.results
        assert stopped.outcome is Outcome.FAILED and "canceling statement" in stopped.message
        assert "stays INVALID" in stopped.message and not stopped.leftover
    # no INVALID partition index; the parent's, without storage, stays INVALID in between
    assert invalid_indexes(db, "slow") == []
    found = tree(db, "slow_slow_key_idx")
    assert found["slow_slow_key_idx"][1] is False
    if how != "timeout":
        assert sum(1 for t, valid, _p in found.values() if t.startswith("slow_")) >= 1
    rerun = run.apply(db.dsn, slow_index(), FAST)
    (finished,) = rerun.results
    assert finished.outcome is Outcome.RESUMED and finished.valid, finished.message
    leaves = {"slow_2024", "slow_2025_h0", "slow_2025_h1", "slow_default"}
    assert_complete(db, "slow_slow_key_idx", leaves)


# --- the sql migration, with psql ---------------------------------------------------------------


def psql(dsn: str, path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [str(find_bindir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn,
         "-f", str(path)],
        capture_output=True, text=True, timeout=120, check=False, env={**os.environ, **env},
    )  # fmt: skip


def test_sql_migration_with_psql_builds_it_valid_and_the_down_removes_it(
    db: Any, report: Any, tmp_path: Path
) -> None:
    up, down = write(tmp_path, [parent_rec(report)], "sql")
    text = up.read_text()
    assert "existed when this was written" in text and "INVALID" in text
    for _ in range(2):  # safe to run twice
        done = psql(db.dsn, up)
        assert done.returncode == 0, done.stderr
    assert_complete(db, PARENT_INDEX, LEAVES)
    assert "readings_2025_h1_sensor_id_idx" in plan_json(db, BY_SENSOR, 7)
    for _ in range(2):
        done = psql(db.dsn, down)
        assert done.returncode == 0, done.stderr
    assert invalid_indexes(db, "readings") == invalid_indexes(db, "readings", "I") == []
    assert not tree_exists(db, PARENT_INDEX)
    assert db.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%sensor%'") == [(0,)]


def test_a_failed_sql_migration_is_undone_by_its_down_then_runs_again(
    db: Any, tmp_path: Path
) -> None:
    spec = IndexSpec(TableRef("public", "slow"), (IndexKey("slow_key(id)", expression=True),))
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        claimed = IndexNames(conn, catalog=read_catalog(conn)).claim(spec)
    rec = Recommendation(spec=spec, **claimed.fields(), estimated_size_bytes=0, effects=(),
                         time_saved_ms=None, time_saved_ms_per_week=None)  # fmt: skip
    up, down = write(tmp_path, [rec], "sql")
    failed = psql(db.dsn, up, PGOPTIONS="-c statement_timeout=300")
    assert failed.returncode != 0 and "statement timeout" in failed.stderr
    assert invalid_indexes(db, "slow_") != []  # what the migration's comment warns about
    assert psql(db.dsn, down).returncode == 0
    assert invalid_indexes(db, "slow") == invalid_indexes(db, "slow", "I") == []
    assert not tree_exists(db, rec.name)
    assert psql(db.dsn, up).returncode == 0
    assert_complete(db, rec.name, {"slow_2024", "slow_2025_h0", "slow_2025_h1", "slow_default"})


# --- review -------------------------------------------------------------------------------------


def test_review_sees_a_parent_index_as_one_index(db: Any, report: Any, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    save_plan(plan, report)
    run.apply(db.dsn, source.load(plan), FAST)
    db.execute("CREATE INDEX readings_sensor_id_idx1 ON readings (sensor_id)")  # a duplicate
    db.run(BY_SENSOR, [(i,) for i in range(1, 5)])  # the leaves of one of them get scans
    findings = db.analyze(min_stats_age_s=0).findings
    by_index = {f.index: f for f in findings}
    leaf_names = set(tree(db, PARENT_INDEX)) | set(tree(db, "readings_sensor_id_idx1"))
    leaf_names -= {PARENT_INDEX, "readings_sensor_id_idx1"}
    assert not leaf_names & set(by_index), "partition indexes are never reported on their own"
    scanned = [n for n in (PARENT_INDEX, "readings_sensor_id_idx1") if n not in by_index]
    (dup,) = [by_index[n] for n in (PARENT_INDEX, "readings_sensor_id_idx1") if n in by_index]
    assert len(scanned) == 1 and dup.kind == "duplicate" and dup.partitioned
    assert dup.drop_sql == f"DROP INDEX IF EXISTS public.{dup.index}"
    assert dup.restore_sql is not None and "ON ONLY public.readings" in dup.restore_sql
    # the way back works: drop, restore with psql, the same partition index names come back
    before = tree(db, dup.index or "")
    db.execute(dup.drop_sql)
    restore = tmp_path / "restore.sql"
    restore.write_text(dup.restore_sql + ";\n")
    assert psql(db.dsn, restore).returncode == 0
    assert tree(db, dup.index or "") == before


DOCS = """
CREATE TABLE docs (id bigint NOT NULL, payload jsonb NOT NULL) PARTITION BY HASH (id);
CREATE TABLE docs_h0 PARTITION OF docs FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE docs_h1 PARTITION OF docs FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO docs SELECT g, jsonb_build_object('kind', 'k' || g % 100, 'n', g)
  FROM generate_series(1, 30000) g;
"""


def test_gin_advice_on_a_partitioned_table_is_verified_on_a_copy(make_db: Any) -> None:
    from psycopg.types.json import Jsonb

    db, copy = make_db(DOCS), make_db(DOCS)
    db.run(
        "SELECT id FROM docs WHERE payload @> %s", [(Jsonb({"kind": f"k{i}"}),) for i in range(9)]
    )
    (rec,) = db.analyze(verify_dsn=copy.dsn).recommendations
    assert rec.spec.method == "gin" and rec.verified, rec.notes
    assert rec.create_statements[0].startswith(
        "CREATE INDEX IF NOT EXISTS docs_payload_gin ON ONLY"
    )
    assert {ref.name for ref in rec.partitions} == {"docs_h0", "docs_h1"}
    assert copy.execute("SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'docs%'") == [(0,)]


# --- the steps, on trees made by hand -----------------------------------------------------------

CREATE = "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON public.t USING btree (a) WHERE a > 0"


def _t(name: str) -> TableRef:
    return TableRef("public", name)


def _plan(root: Any, name: str = "t_a_idx", hints: dict[TableRef, str] | None = None) -> Any:
    from advisor.db import partitioned

    taken: dict[str, set[str]] = {}
    namer = partitioned.name_source(lambda s: taken.setdefault(s, {"t_1_a_idx"}), hints)
    return partitioned.plan(partitioned.Template(CREATE), root, name, namer)


def test_steps_go_bottom_up_and_reuse_what_is_there() -> None:
    from advisor.db.partitioned import Action, IndexOnPartition, PartitionNode

    same = "CREATE INDEX mine ON public.t_3 USING btree (a) WHERE (a > 0)"
    root = PartitionNode(_t("t"), "p", (
        PartitionNode(_t("t_1"), "r"),
        PartitionNode(_t("t_2"), "p", (PartitionNode(_t("t_2a"), "r"),)),
        PartitionNode(_t("t_3"), "r", indexes=(IndexOnPartition("mine", same, True),)),
        PartitionNode(_t("t_4"), "r", indexes=(
            IndexOnPartition("other", "CREATE INDEX other ON public.t_4 (a)", True),)),
    ))  # fmt: skip
    build = _plan(root)
    t_1 = ddl.partition_index_name("t", "t_a_idx", "t_1", {"t_1_a_idx"})  # t_1_a_idx is taken
    assert t_1.startswith("t_1_a_idx_")
    assert [(s.action, s.table.name, s.name) for s in build.steps] == [
        (Action.ONLY, "t", "t_a_idx"),
        (Action.BUILD, "t_1", t_1),
        (Action.ATTACH, "t_1", t_1),
        (Action.ONLY, "t_2", "t_2_a_idx"),
        (Action.BUILD, "t_2a", "t_2a_a_idx"),
        (Action.ATTACH, "t_2a", "t_2a_a_idx"),
        (Action.ATTACH, "t_2", "t_2_a_idx"),  # the sub-partitioned level, once its leaves are
        (Action.ATTACH, "t_3", "mine"),  # the same definition: attached, not built again
        (Action.BUILD, "t_4", "t_4_a_idx"),  # another definition: not reused
        (Action.ATTACH, "t_4", "t_4_a_idx"),
    ]
    assert (
        build.steps[0].sql == "CREATE INDEX IF NOT EXISTS t_a_idx ON ONLY public.t (a) WHERE a > 0"
    )
    assert build.steps[4].sql == (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_2a_a_idx ON public.t_2a (a) WHERE a > 0"
    )
    assert build.steps[6].sql == "ALTER INDEX public.t_a_idx ATTACH PARTITION public.t_2_a_idx"
    assert [s.name for s in build.reused] == ["mine"] and not build.problems
    assert build.leaves == (_t("t_1"), _t("t_2a"), _t("t_3"), _t("t_4"))
    assert build.drop_statements() == (
        "DROP INDEX IF EXISTS public.t_a_idx",
        "DROP INDEX IF EXISTS public.t_2_a_idx",
        f"DROP INDEX CONCURRENTLY IF EXISTS public.{t_1}",
        "DROP INDEX CONCURRENTLY IF EXISTS public.t_2a_a_idx",
        "DROP INDEX CONCURRENTLY IF EXISTS public.t_4_a_idx",
    )


def test_a_resumed_build_does_only_what_is_missing() -> None:
    from advisor.db.partitioned import Action, IndexOnPartition, PartitionNode

    parent = ("public", "t_a_idx")
    root = PartitionNode(_t("t"), "p", (
        PartitionNode(_t("t_1"), "r", indexes=(IndexOnPartition("t_1_x", "", True, parent),)),
        PartitionNode(_t("t_2"), "p", (
            PartitionNode(_t("t_2a"), "r", indexes=(
                IndexOnPartition("t_2a_x", "", True, ("public", "t_2_x")),)),
            PartitionNode(_t("t_2b"), "r"),
        ), indexes=(IndexOnPartition("t_2_x", "", False, parent),)),
    ), indexes=(IndexOnPartition("t_a_idx", "", False),))  # fmt: skip
    build = _plan(root, hints={_t("t_2b"): "from_the_plan"})
    assert [(s.action, s.table.name, s.name) for s in build.steps] == [
        (Action.BUILD, "t_2b", "from_the_plan"),  # the name the plan gave it
        (Action.ATTACH, "t_2b", "from_the_plan"),
    ]
    assert build.steps[1].parent == ("public", "t_2_x")


def test_what_stops_a_partitioned_build_is_said_before_anything_runs() -> None:
    from advisor.db.partitioned import IndexOnPartition, PartitionNode

    broken = IndexOnPartition("t_1_x", "", False, ("public", "t_a_idx"))
    root = PartitionNode(_t("t"), "p", (
        PartitionNode(_t("t_1"), "r", indexes=(broken,)),
        PartitionNode(_t("t_f"), "f"),
    ))  # fmt: skip
    problems = _plan(root).problems
    assert len(problems) == 2
    assert "t_1_x on public.t_1 is attached to public.t_a_idx but INVALID" in problems[0]
    assert "public.t_f is a foreign table" in problems[1]
    assert _plan(PartitionNode(_t("t"), "p")).problems == ("public.t has no partition yet",)


def test_partition_index_names_follow_the_parent_and_fit_in_63_bytes() -> None:
    assert ddl.partition_index_name("orders", "orders_customer_id_idx", "orders_2024", ()) == (
        "orders_2024_customer_id_idx"
    )
    assert ddl.partition_index_name("orders", "by_customer", "orders_2024", ()) == (
        "orders_2024_by_customer"
    )
    long = ddl.partition_index_name("t", "t_" + "x" * 60, "p" * 40, {"p" * 40 + "_" + "x" * 22})
    assert len(long.encode()) <= 63 and long.startswith("p" * 40)
    assert ddl.partition_index_name("t", "t_a_idx", "t_1", {"t_1_a_idx"}) != "t_1_a_idx"
