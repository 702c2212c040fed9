"""``advisor apply`` on a real database: builds, lock waits, cancellation, re-runs, dry runs.

Slow builds come from an index on ``slow_key(id)``, a function that sleeps 2 ms per row: a
2,000-row table takes seconds to index without loading the machine.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.numeric import Int8

from advisor.apply import run, source
from advisor.apply.catalog import check_not_standby
from advisor.apply.errors import StandbyRefused
from advisor.apply.model import ApplyOptions, Outcome
from advisor.apply.monitor import ProgressSample
from advisor.apply.record import JsonLinesRecorder, read_log
from advisor.db import ddl
from advisor.errors import ConnectionFailed, UsageError
from advisor.migrate.write import write
from advisor.model import IndexKey, IndexSpec, TableRef
from advisor.plan_file import PlannedIndex, PlannedStatement, load_plan
from tests.conftest import default_sigint

SCHEMA = """
CREATE TABLE accounts (id bigint PRIMARY KEY, owner_id bigint NOT NULL, note text);
INSERT INTO accounts SELECT g, g % 3000, 'n' || g FROM generate_series(1, 30000) g;
CREATE FUNCTION slow_key(i bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN PERFORM pg_catalog.pg_sleep(0.002); RETURN i; END $$;
CREATE TABLE slow (id bigint);
INSERT INTO slow SELECT generate_series(1, 2000);
CREATE TABLE people (id bigint, email text);
INSERT INTO people
SELECT g, CASE WHEN g % 10 < 8 THEN 'Shared@Example.com' ELSE 'user' || g || '@example.com' END
  FROM generate_series(1, 20000) g;
ANALYZE people;
"""
LOOKUP = "SELECT id, note FROM accounts WHERE owner_id = %s"
INDEX = "accounts_owner_id_idx"
FAST = ApplyOptions(lock_timeout_ms=200, retries=2, retry_delay_ms=50, poll_interval_s=0.02)


def cli(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "advisor", "apply", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_sigint, **kwargs,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    database.run(LOOKUP, [(Int8(i),) for i in range(1, 30)])
    return database


@pytest.fixture(scope="module")
def plan(db: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return db.saved_plan(tmp_path_factory.mktemp("plan"), [INDEX])


@pytest.fixture(autouse=True)
def clean(db: Any) -> Any:
    yield
    db.execute(f"DROP INDEX IF EXISTS {INDEX}")
    db.execute("DROP INDEX IF EXISTS slow_key_idx")


def index_rows(db: Any, name: str) -> list[tuple[Any, ...]]:
    """(oid, indisvalid, indisunique) of every index called ``name``: what the catalog says."""
    return db.execute(
        "SELECT c.oid, i.indisvalid, i.indisunique FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
        (name,),
    )


def expression_source(
    tmp_path: Path, table: str, name: str, expression: str, statement: str
) -> source.Source:
    """A plan of one index on ``expression`` of ``table``, saved as a file."""
    spec = IndexSpec(TableRef("public", table), (IndexKey(expression, expression=True),))
    create = ddl.create_index(spec, name, concurrently=True, if_not_exists=True)
    drop = ddl.drop_index("public", name, concurrently=True, if_exists=True)
    index = PlannedIndex(
        "public", table, name, create.as_string(None), drop.as_string(None),
        statements=(PlannedStatement(None, statement),),
    )  # fmt: skip
    doc = {"format": "pg-advisor-plan", "version": 1, "indexes": [
        {"schema": "public", "table": table, "name": name,
         "create_sql": index.create_sql, "drop_sql": index.drop_sql}]}  # fmt: skip
    (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    return source.Source(tmp_path / f"{name}.json", (source.checked(index),))


def slow_source(tmp_path: Path) -> source.Source:
    return expression_source(
        tmp_path, "slow", "slow_key_idx", "slow_key(id)",
        "SELECT id FROM slow WHERE slow_key(id) = $1",
    )  # fmt: skip


class Canceller:
    """A progress sink that cancels (or terminates) the build once it is scanning the table."""

    def __init__(self, dsn: str, how: str = "pg_cancel_backend") -> None:
        self.dsn = dsn
        self.how = how
        self.samples: list[ProgressSample] = []
        self.invalid_seen = False
        self.pid: int | None = None

    def begin(self, label: str) -> None:
        pass

    def end(self) -> None:
        pass

    def update(self, sample: ProgressSample) -> None:  # runs in the monitor thread
        self.samples.append(sample)
        if self.pid is not None or not sample.phase.startswith("building index"):
            return
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT p.pid, i.indisvalid FROM pg_stat_progress_create_index p"
                " JOIN pg_index i ON i.indexrelid = p.index_relid"
                " WHERE p.datname = current_database()"
            ).fetchone()
            assert row is not None
            self.pid, valid = row
            self.invalid_seen = valid is False
            if self.how == "pg_cancel_backend":
                conn.execute("SELECT pg_cancel_backend(%s)", (self.pid,))
            else:
                conn.execute("SELECT pg_terminate_backend(%s)", (self.pid,))


# --- plans and sources ---------------------------------------------------------------------------


def test_saved_plan_round_trips(plan: Path) -> None:
    loaded = load_plan(plan)
    (index,) = loaded.indexes
    assert (index.schema, index.table, index.name) == ("public", "accounts", INDEX)
    assert index.create_sql.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS")
    assert index.drop_sql.startswith("DROP INDEX CONCURRENTLY IF EXISTS")
    (stmt,) = index.statements
    assert stmt.query == "SELECT id, note FROM accounts WHERE owner_id = $1"
    assert stmt.calls == 29 and stmt.cost_after is not None and stmt.cost_before is not None
    assert stmt.cost_after < stmt.cost_before
    doc = json.loads(plan.read_text())
    assert doc["format"] == "pg-advisor-plan" and doc["indexes"][0]["estimated_size_bytes"] > 0


@pytest.mark.parametrize(
    ("create_sql", "message"),
    [
        ("DROP TABLE accounts", "expected exactly one CREATE INDEX"),
        ("CREATE INDEX accounts_owner_id_idx ON accounts (owner_id); DROP TABLE accounts",
         "expected exactly one CREATE INDEX"),
        ("CREATE INDEX CONCURRENTLY ON public.accounts (owner_id)", "has no index name"),
        ("CREATE INDEX CONCURRENTLY other_idx ON public.accounts (owner_id)", "builds other_idx"),
    ],
)  # fmt: skip
def test_plans_holding_anything_but_their_create_index_are_refused(
    tmp_path: Path, create_sql: str, message: str
) -> None:
    drop = f"DROP INDEX CONCURRENTLY IF EXISTS public.{INDEX}"
    doc = {"format": "pg-advisor-plan", "version": 1, "indexes": [
        {"schema": "public", "table": "accounts", "name": INDEX, "create_sql": create_sql,
         "drop_sql": drop}]}  # fmt: skip
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(UsageError, match=message):
        source.load(path)


def test_unusable_plan_files_are_one_line_errors(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    for text, message in [("{", "invalid JSON"), ('{"format": "x"}', "'format' is not"),
                          ('{"format": "pg-advisor-plan", "version": 99, "indexes": []}',
                           "plan version 99")]:  # fmt: skip
        path.write_text(text)
        with pytest.raises(UsageError, match=message) as err:
            load_plan(path)
        assert "\n" not in str(err.value)
    with pytest.raises(UsageError, match="does not exist"):
        load_plan(tmp_path / "missing.json")


def test_migration_folder_without_concurrently_gets_it(tmp_path: Path) -> None:
    (tmp_path / "001_users.up.sql").write_text("CREATE TABLE users (id int);\n")
    (tmp_path / "002_idx.up.sql").write_text("-- by hand\nCREATE INDEX users_id_idx ON users (id);")
    (tmp_path / "002_idx.down.sql").write_text("DROP INDEX users_id_idx;")
    found = source.load(tmp_path)
    assert found.ignored == ("001_users.up.sql",)
    (index,) = found.indexes
    assert index.create_sql == "CREATE INDEX CONCURRENTLY users_id_idx ON users (id)"
    assert (index.schema, index.table, index.name) == (None, "users", "users_id_idx")


# --- apply ---------------------------------------------------------------------------------------


def test_apply_builds_verifies_records_and_reapply_is_a_no_op(
    db: Any, plan: Path, tmp_path: Path
) -> None:
    log = tmp_path / "applies.jsonl"
    first = run.apply(db.dsn, source.load(plan), FAST, recorders=[JsonLinesRecorder(log)])
    (built,) = first.results
    assert first.status == "ok" and built.outcome is Outcome.CREATED and built.valid
    assert [c.uses_index for c in built.checks] == [True]
    [(oid, valid, unique)] = index_rows(db, INDEX)
    assert valid and not unique
    second = run.apply(db.dsn, source.load(plan), FAST, recorders=[JsonLinesRecorder(log)])
    (again,) = second.results
    assert again.outcome is Outcome.SKIPPED and again.attempts == 0
    assert again.message == "already exists on public.accounts and is valid"
    assert [c.uses_index for c in again.checks] == [True]
    assert index_rows(db, INDEX) == [(oid, True, False)]  # the very same index, untouched
    entries = read_log(log)
    assert [e["status"] for e in entries] == ["ok", "ok"]
    assert [e["indexes"][0]["outcome"] for e in entries] == ["created", "skipped"]
    assert entries[0]["indexes"][0]["statements"][0]["uses_index"] is True
    assert entries[0]["database"] == db.name and entries[0]["time"]


def test_cli_reports_each_index_and_whether_the_planner_uses_it(
    db: Any, plan: Path, tmp_path: Path
) -> None:
    log = tmp_path / "applies.jsonl"
    code, out, err = finish(cli(str(plan), "--dsn", db.dsn, "--log", str(log)))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"created public.{INDEX} in ") and lines[0].endswith("valid")
    assert lines[1] == f"  the planner uses {INDEX} for 1 of 1 statements it was meant for"
    code, out, err = finish(cli(str(plan), "--dsn", db.dsn, "--log", str(log)))
    assert code == 0 and out.startswith(f"skipped public.{INDEX}: already exists"), err
    assert len(read_log(log)) == 2


def test_a_different_valid_index_with_the_planned_name_is_left_alone(db: Any, plan: Path) -> None:
    db.execute(f"CREATE INDEX {INDEX} ON accounts (owner_id, note)")
    before = index_rows(db, INDEX)
    result = run.apply(db.dsn, source.load(plan), FAST)
    (skipped,) = result.results
    assert skipped.outcome is Outcome.SKIPPED and "check it is the planned one" in skipped.message
    assert "(owner_id, note)" in skipped.message and index_rows(db, INDEX) == before


def test_invalid_index_with_the_planned_name_is_dropped_and_rebuilt(db: Any, plan: Path) -> None:
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {INDEX} ON accounts (owner_id)")
    [(old_oid, valid, unique)] = index_rows(db, INDEX)
    assert not valid and unique  # a failed build left it behind
    result = run.apply(db.dsn, source.load(plan), FAST)
    assert result.results[0].outcome is Outcome.REBUILT
    [(oid, valid, unique)] = index_rows(db, INDEX)
    assert oid != old_oid and valid and not unique


def test_lock_held_by_another_session_retries_then_fails_in_one_line(
    db: Any, plan: Path, tmp_path: Path
) -> None:
    log = tmp_path / "applies.jsonl"
    with psycopg.connect(db.dsn) as holder:
        holder.execute("LOCK TABLE accounts IN SHARE UPDATE EXCLUSIVE MODE")
        proc = cli(str(plan), "--dsn", db.dsn, "--lock-timeout", "100ms", "--retries", "2",
                   "--retry-delay", "50ms", "--log", str(log))  # fmt: skip
        code, out, err = finish(proc)
        holder.rollback()
    assert code == 5, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("advisor: error:")]
    assert len(errors) == 1 and "lock_timeout (100ms) on all 3 attempts" in errors[0]
    assert err.count("retry") == 2  # two retries announced: 50 ms, then 100 ms
    assert out.startswith(f"failed public.{INDEX}")
    assert index_rows(db, INDEX) == []
    assert read_log(log)[0]["status"] == "failed"


def test_cancel_in_the_middle_of_a_build_leaves_no_invalid_index(db: Any, tmp_path: Path) -> None:
    canceller = Canceller(db.dsn)
    started = time.monotonic()
    result = run.apply(db.dsn, slow_source(tmp_path), FAST, progress=canceller)
    (failed,) = result.results
    assert failed.outcome is Outcome.FAILED and "canceling statement" in failed.message
    assert canceller.invalid_seen  # the build had left an INVALID index when it was cancelled
    assert any(s.phase.startswith("building index") for s in canceller.samples)
    assert index_rows(db, "slow_key_idx") == []
    assert not failed.leftover and result.status == "failed"
    assert time.monotonic() - started < 20


def test_connection_lost_mid_build_is_cleaned_up_from_a_new_connection(
    db: Any, tmp_path: Path
) -> None:
    canceller = Canceller(db.dsn, how="pg_terminate_backend")
    with pytest.raises(ConnectionFailed, match="no INVALID index left behind") as err:
        run.apply(db.dsn, slow_source(tmp_path), FAST, progress=canceller)
    assert err.value.exit_code == 4 and canceller.invalid_seen
    assert index_rows(db, "slow_key_idx") == []


def test_statement_timeout_cap_stops_the_build_and_cleans_up(db: Any, tmp_path: Path) -> None:
    capped = ApplyOptions(lock_timeout_ms=1000, statement_timeout_ms=300)
    result = run.apply(db.dsn, slow_source(tmp_path), capped)
    assert result.results[0].outcome is Outcome.FAILED
    assert "longer than the --statement-timeout cap of 300ms" in result.results[0].message
    assert index_rows(db, "slow_key_idx") == []


def test_ctrl_c_during_a_build_drops_the_invalid_index(db: Any, tmp_path: Path) -> None:
    plan_path = slow_source(tmp_path).path
    log = tmp_path / "applies.jsonl"
    proc = cli(str(plan_path), "--dsn", db.dsn, "--log", str(log))
    deadline = time.monotonic() + 30
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT i.indisvalid FROM pg_stat_progress_create_index p"
                " JOIN pg_index i ON i.indexrelid = p.index_relid"
                " WHERE p.datname = current_database() AND p.phase LIKE 'building index%%'"
            ).fetchone()
            if row is not None:
                break
            time.sleep(0.02)
    assert row == (False,), "the build never showed up in pg_stat_progress_create_index"
    proc.send_signal(signal.SIGINT)
    code, out, err = finish(proc)
    assert code == 130, (out, err)
    assert err.strip().splitlines()[-1] == (
        "advisor: error: interrupted while building public.slow_key_idx: "
        "no INVALID index left behind"
    )
    assert index_rows(db, "slow_key_idx") == []
    assert read_log(log)[0]["status"] == "interrupted"


def test_migration_folder_applies_and_replans_from_its_evidence(
    db: Any, make_db: Any, tmp_path: Path
) -> None:
    report = db.analyze()
    folder = tmp_path / "flyway"
    write(folder, report.recommendations, "flyway")
    (folder / "V0__init.sql").write_text("CREATE TABLE IF NOT EXISTS init (id int);\n")
    found = source.load(folder)
    assert found.ignored == ("V0__init.sql",)
    result = run.apply(db.dsn, found, FAST)
    (built,) = result.results
    assert built.outcome is Outcome.CREATED and [c.uses_index for c in built.checks] == [True]
    assert db.execute("SELECT to_regclass('init')") == [(None,)]  # other migrations not run


def test_dry_run_prints_and_changes_nothing(db: Any, plan: Path, tmp_path: Path) -> None:
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {INDEX} ON accounts (owner_id)")
    before = index_rows(db, INDEX)
    log = tmp_path / "applies.jsonl"
    code, out, err = finish(cli(str(plan), "--dsn", db.dsn, "--dry-run", "--log", str(log)))
    assert code == 0, err
    assert f"DROP INDEX CONCURRENTLY IF EXISTS public.{INDEX};" in out
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_owner_id_idx" in out
    assert "SET lock_timeout = '5000ms'" in out
    assert index_rows(db, INDEX) == before and not log.exists()


def estimated_rows(db: Any, query: str) -> float:
    (plan,) = db.execute(f"EXPLAIN (FORMAT JSON) {query}")[0]
    return float(plan[0]["Plan"]["Plan Rows"])


def test_an_index_on_an_expression_is_followed_by_analyze_of_its_table(
    db: Any, tmp_path: Path
) -> None:
    # 80 % of the rows share one lower(email): until an ANALYZE of the table after the build,
    # the planner knows nothing of the expression's values and guesses 0.5 % of the rows
    shared = "SELECT id FROM people WHERE lower(email) = 'shared@example.com'"
    plan = expression_source(tmp_path, "people", "people_lower_idx", "lower(email)", shared)
    log = tmp_path / "applies.jsonl"
    code, out, err = finish(cli(str(plan.path), "--dsn", db.dsn, "--dry-run", "--log", str(log)))
    assert code == 0, err
    assert "ANALYZE public.people;" in out and not log.exists()
    assert estimated_rows(db, shared) < 1_000
    try:
        result = run.apply(db.dsn, plan, FAST, recorders=[JsonLinesRecorder(log)])
        (built,) = result.results
        assert built.outcome is Outcome.CREATED and built.analyzed
        assert estimated_rows(db, shared) > 10_000
        assert read_log(log)[0]["indexes"][0]["analyzed"] is True
        # an index on plain columns leaves the table's statistics to autovacuum
        plain = run.apply(db.dsn, source.load(db.saved_plan(tmp_path, [INDEX])), FAST)
        assert plain.results[0].outcome is Outcome.CREATED and not plain.results[0].analyzed
    finally:
        db.execute("DROP INDEX IF EXISTS people_lower_idx")


def test_a_plan_made_on_another_database_is_refused_unless_forced(
    db: Any, plan: Path, make_db: Any, tmp_path: Path
) -> None:
    """A plan records its database and cluster; apply elsewhere needs --force, and says so."""
    doc = json.loads(plan.read_text())
    assert doc["server"]["database"] == db.name and doc["server"]["system_identifier"]
    other = make_db(SCHEMA)
    code, out, err = finish(cli(str(plan), "--dsn", other.dsn))
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1
    assert f"was made on database {db.name}, not on database {other.name}" in err
    assert "--force" in err and index_rows(other, INDEX) == []
    code, out, err = finish(cli(str(plan), "--dsn", other.dsn, "--dry-run"))
    assert code == 0 and "apply refuses it without --force" in out, err
    code, out, err = finish(cli(str(plan), "--dsn", other.dsn, "--force"))
    assert code == 0 and out.startswith(f"created public.{INDEX}"), err
    assert f"--force: the plan {plan} was made on database {db.name}" in err
    assert [valid for _, valid, _ in index_rows(other, INDEX)] == [True]
    # the same database name on another cluster: the system identifier tells them apart
    doc["server"]["system_identifier"] = "1"
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(doc))
    code, out, err = finish(cli(str(elsewhere), "--dsn", db.dsn))
    assert code == 2 and "was made on another cluster (system identifier 1" in err
    assert index_rows(db, INDEX) == []


def test_hot_standby_is_refused() -> None:
    check_not_standby(False)
    with pytest.raises(StandbyRefused, match="hot standby") as err:
        check_not_standby(True)
    assert err.value.exit_code == 3


def test_backoff_doubles_up_to_its_cap() -> None:
    options = ApplyOptions(retry_delay_ms=1000, max_retry_delay_ms=5000)
    assert [options.delay_ms(n) for n in range(1, 6)] == [1000, 2000, 4000, 5000, 5000]


def test_progress_sample_reports_the_current_phase_work() -> None:
    sample = ProgressSample("building index: scanning table", 0, 0, 40, 10, 0, 0)
    assert sample.work() == (10, 40)
    assert ProgressSample("waiting for writers before build", 3, 1, 0, 0, 0, 0).work() == (1, 3)


def test_concurrent_monitor_thread_never_outlives_the_build(db: Any, plan: Path) -> None:
    canceller = Canceller(db.dsn)
    canceller.pid = -1  # record samples only
    run.apply(db.dsn, source.load(plan), FAST, progress=canceller)
    assert not [t for t in threading.enumerate() if t.name == "advisor-progress"]


def test_progress_bar_shows_the_phase_read_from_the_server(db: Any, tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from advisor.apply.progress_bar import RichBar

    screen = io.StringIO()
    bar = RichBar(Console(file=screen, force_terminal=True, width=120))
    capped = ApplyOptions(statement_timeout_ms=1500, poll_interval_s=0.05)
    result = run.apply(db.dsn, slow_source(tmp_path), capped, progress=bar)
    assert result.results[0].outcome is Outcome.FAILED  # the cap stopped it; cleaned up
    assert "slow_key_idx: building index" in screen.getvalue()
    assert index_rows(db, "slow_key_idx") == []
