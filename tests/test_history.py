"""Snapshots on a real server: deltas around a workload, resets, the two stores, retention."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import psycopg
import pytest
from psycopg import conninfo, sql
from psycopg.types.numeric import Int8
from typer.testing import CliRunner

from advisor.cli import app
from advisor.errors import UsageError
from advisor.history import deltas
from advisor.history.model import ServerKey, SnapshotMeta
from advisor.history.periods import boundaries, closest_before, parse_period
from advisor.history.snapshots import take_snapshot
from advisor.history.store import Store, open_store
from advisor.sources.own import is_advisor_statement

SCHEMA = """
CREATE TABLE items (id bigint PRIMARY KEY, kind int NOT NULL, note text);
INSERT INTO items SELECT g, g % 50, 'n' || g FROM generate_series(1, 5000) g;
CREATE INDEX items_kind_idx ON items (kind);
"""
BY_KIND = "SELECT count(*) FROM items WHERE kind = %s"
BY_NOTE = "SELECT id FROM items WHERE note = %s"
DAY = 86400.0


def workload(db: Any, statement: str, params: Sequence[Sequence[Any]]) -> None:
    """Run a statement, then make the backend flush its table counters before returning."""
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for p in params:
            cur = conn.execute(statement, p)
            if cur.description:
                cur.fetchall()
        if conn.info.server_version >= 150000:
            conn.execute("SELECT pg_stat_force_next_flush()")
            conn.execute("SELECT 1")
        else:
            time.sleep(1.0)


def statement_rows(delta: deltas.StatementDelta) -> pd.DataFrame:
    return deltas.by_statement(delta.rows)


def calls_of(frame: pd.DataFrame, text: str) -> int:
    hits = frame[frame["query"] == text]
    return int(hits["calls"].sum())


def pg_text(statement: str) -> str:
    """How pg_stat_statements shows a statement run with one server-side parameter."""
    return statement.replace("%s", "$1")


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with open_store(str(tmp_path / "history.sqlite3")) as s:
        yield s


def test_two_snapshots_around_a_workload_give_its_counts(make_db: Any, store: Store) -> None:
    db = make_db(SCHEMA)
    workload(db, BY_KIND, [(Int8(i % 50),) for i in range(30)])  # before: not in the period
    first = take_snapshot(db.dsn, store).snapshot
    workload(db, BY_KIND, [(Int8(i % 50),) for i in range(25)])
    workload(db, BY_NOTE, [(f"n{i}",) for i in range(7)])
    workload(db, "INSERT INTO items SELECT g, 1, 'x' FROM generate_series(%s::int, %s::int) g",
             [(10001, 10400)])  # fmt: skip
    second = take_snapshot(db.dsn, store).snapshot

    delta = deltas.statement_delta(first, second)
    assert delta.notes == ()
    rows = statement_rows(delta)
    assert calls_of(rows, pg_text(BY_KIND)) == 25
    assert calls_of(rows, pg_text(BY_NOTE)) == 7
    by_kind = rows[rows["query"] == pg_text(BY_KIND)].iloc[0]
    assert by_kind["total_exec_ms"] > 0 and by_kind["rows"] == 25
    assert by_kind["mean_exec_ms"] == pytest.approx(by_kind["total_exec_ms"] / 25)

    tables = deltas.table_delta(first, second).rows.set_index("name")
    assert tables.loc["items", "n_tup_ins"] == 400
    assert tables.loc["items", "seq_scan"] + tables.loc["items", "idx_scan"] >= 32
    assert tables.loc["items", "n_live_tup"] - tables.loc["items", "n_live_tup_before"] == 400
    assert tables.loc["items", "growth_bytes"] > 0
    indexes = deltas.index_delta(first, second).rows.set_index("name")
    assert indexes.loc["items_kind_idx", "existed_before"]
    assert indexes.loc["items_pkey", "scans"] == 0  # nothing looked up by id

    # the store gives back what was saved
    metas = store.snapshots(first.meta.key)
    assert [m.id for m in metas] == [first.meta.id, second.meta.id]
    loaded = store.load(metas[-1])
    assert sorted(loaded.statements, key=lambda s: s.queryid) == sorted(
        second.statements, key=lambda s: s.queryid
    )
    assert set(loaded.tables) == set(second.tables)
    assert set(loaded.indexes) == set(second.indexes)


def _no_negative(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        assert (frame[column] >= 0).all(), column


def test_a_full_reset_between_snapshots_gives_no_negative_numbers(
    make_db: Any, store: Store
) -> None:
    db = make_db(SCHEMA)
    workload(db, BY_KIND, [(Int8(i % 50),) for i in range(40)])
    first = take_snapshot(db.dsn, store).snapshot
    db.execute("SELECT pg_stat_statements_reset()")  # everything, the reset marker moves
    db.execute("SELECT pg_stat_reset()")  # this database's table and index counters
    workload(db, BY_KIND, [(Int8(i % 50),) for i in range(6)])
    second = take_snapshot(db.dsn, store).snapshot

    if second.meta.server_version >= "14":
        assert second.meta.pgss_reset != first.meta.pgss_reset
    delta = deltas.statement_delta(first, second)
    _no_negative(delta.rows, deltas.STATEMENT_COUNTERS)
    assert calls_of(statement_rows(delta), pg_text(BY_KIND)) == 6  # counted from the reset
    assert any("reset" in note for note in delta.notes)
    tables = deltas.table_delta(first, second)
    _no_negative(tables.rows, deltas.TABLE_COUNTERS)
    assert any("reset" in note for note in tables.notes)
    _no_negative(deltas.index_delta(first, second).rows, deltas.INDEX_COUNTERS)


def test_one_entry_reset_is_seen_as_counters_going_down(make_db: Any, store: Store) -> None:
    db = make_db(SCHEMA)
    workload(db, BY_KIND, [(Int8(i % 50),) for i in range(40)])
    workload(db, BY_NOTE, [(f"n{i}",) for i in range(10)])
    first = take_snapshot(db.dsn, store).snapshot
    queryid = next(s.queryid for s in first.statements if s.query == pg_text(BY_KIND))
    db.execute("SELECT pg_stat_statements_reset(0, 0, %s)", (queryid,))  # one entry only
    workload(db, BY_KIND, [(Int8(i % 50),) for i in range(3)])
    workload(db, BY_NOTE, [(f"n{i}",) for i in range(4)])
    second = take_snapshot(db.dsn, store).snapshot

    assert second.meta.pgss_reset == first.meta.pgss_reset  # no global marker moved
    delta = deltas.statement_delta(first, second)
    _no_negative(delta.rows, deltas.STATEMENT_COUNTERS)
    rows = statement_rows(delta)
    assert calls_of(rows, pg_text(BY_KIND)) == 3  # restarted: its count since the reset
    assert calls_of(rows, pg_text(BY_NOTE)) == 4  # untouched: the plain difference
    assert any("restarted" in note for note in delta.notes)


def test_concurrent_snapshots_into_one_sqlite_file(make_db: Any, tmp_path: Path) -> None:
    db = make_db(SCHEMA)
    workload(db, BY_KIND, [(Int8(1),)])
    path = str(tmp_path / "shared.sqlite3")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with open_store(path) as own:  # each run opens the store itself, as a cron job does
                for _ in range(3):
                    take_snapshot(db.dsn, own)
        except BaseException as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_store(path) as check:
        metas = check.snapshots(take_snapshot(db.dsn, check).snapshot.meta.key)
        assert len(metas) == 10  # nine from the threads, one now: none lost
        assert all(len(check.statements(m)) > 0 for m in metas)


def _store_uri(pg_server: Any, dbname: str) -> str:
    params = conninfo.conninfo_to_dict(pg_server.admin_dsn)
    host = quote(str(params.get("host", "")), safe="")
    return (
        f"postgresql://{params.get('user', 'postgres')}@/{dbname}?host={host}&port={params['port']}"
    )


def test_postgresql_store_keeps_databases_apart(make_db: Any, pg_server: Any) -> None:
    shop, blog = make_db(SCHEMA), make_db(SCHEMA)
    name = f"advisor_store_{id(shop)}"
    with psycopg.connect(pg_server.admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        uri = _store_uri(pg_server, name)
        errors: list[BaseException] = []

        def run(db: Any) -> None:
            try:
                with open_store(uri) as own:
                    for _ in range(2):
                        take_snapshot(db.dsn, own)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(d,)) for d in (shop, blog, shop)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with open_store(uri) as check:
            shop_key = take_snapshot(shop.dsn, check).snapshot.meta.key
            blog_key = take_snapshot(blog.dsn, check).snapshot.meta.key
            assert shop_key.system_id == blog_key.system_id  # one cluster, two databases
            assert shop_key.database != blog_key.database
            assert len(check.snapshots(shop_key)) == 5
            assert len(check.snapshots(blog_key)) == 3
            assert check.location == "PostgreSQL store"
    finally:
        with psycopg.connect(pg_server.admin_dsn, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_retention_prunes_old_snapshots_and_their_texts(make_db: Any, store: Store) -> None:
    db = make_db(SCHEMA)
    now = time.time()
    workload(db, BY_NOTE, [("n1",)])
    old = take_snapshot(db.dsn, store, taken_at=now - 40 * DAY).snapshot
    db.execute("SELECT pg_stat_statements_reset()")
    workload(db, BY_KIND, [(Int8(1),)])
    taken = take_snapshot(db.dsn, store, taken_at=now - 10 * DAY)
    assert taken.pruned == 0
    taken = take_snapshot(db.dsn, store, taken_at=now, retention_seconds=30 * DAY)
    assert taken.pruned == 1
    metas = store.snapshots(old.meta.key)
    assert old.meta.id not in {m.id for m in metas} and len(metas) == 2
    # the old snapshot's statement text went with it; texts still referred to stay
    kept = {s.query for m in metas for s in store.statements(m)}
    assert pg_text(BY_KIND) in kept and pg_text(BY_NOTE) not in kept
    assert all(s.query for m in metas for s in store.statements(m))


def test_snapshot_command_is_quiet_and_errors_are_one_line(make_db: Any, tmp_path: Path) -> None:
    db = make_db(SCHEMA)
    runner = CliRunner()
    target = tmp_path / "cli.sqlite3"
    quiet = runner.invoke(app, ["snapshot", "--dsn", db.dsn, "--store", str(target)])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output == "" and target.exists()
    loud = runner.invoke(app, ["snapshot", "--dsn", db.dsn, "--store", str(target), "-v"])
    assert loud.exit_code == 0 and "saved to" in loud.output
    bad = runner.invoke(app, ["snapshot", "--dsn", db.dsn, "--store", str(tmp_path)])
    assert bad.exit_code == 2
    assert bad.output.startswith("advisor: error:") and len(bad.output.strip().splitlines()) == 1
    retention = runner.invoke(app, ["snapshot", "--dsn", db.dsn, "--store", str(target),
                                    "--retention", "soon"])  # fmt: skip
    assert retention.exit_code == 2 and "cannot read period" in retention.output
    down = runner.invoke(app, ["snapshot", "--dsn", "host=127.0.0.1 port=1 connect_timeout=2",
                               "--store", str(target)])  # fmt: skip
    assert down.exit_code == 4 and "Traceback" not in down.output


def test_periods_and_own_statements() -> None:
    assert parse_period("7d") == 7 * DAY
    assert parse_period("36h") == 36 * 3600
    assert parse_period("2w") == 14 * DAY
    assert parse_period("90min") == 5400
    with pytest.raises(UsageError):
        parse_period("0d")
    key = ServerKey("1", "shop")
    metas = [SnapshotMeta(str(i), key, i * DAY, "15", None, None, 0) for i in range(10)]
    assert closest_before(metas, 2.4 * DAY, metas[9]) == metas[2]
    assert closest_before(metas, -5 * DAY, metas[0]) is None
    assert [m.id for m in boundaries(metas, metas[9], 3 * DAY, 5)] == ["9", "6", "3", "0"]
    assert is_advisor_statement("SELECT pg_catalog.set_config($1, $2, $3)")
    assert is_advisor_statement('EXPLAIN (FORMAT JSON, GENERIC_PLAN) SELECT * FROM "t"')
    assert is_advisor_statement('EXPLAIN (VERBOSE, FORMAT JSON, GENERIC_PLAN) SELECT * FROM "t"')
    assert is_advisor_statement("EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE advisor_plan_1(NULL)")
    assert is_advisor_statement(
        "-- pg_stat_statements counters of the connected database per (user, queryid), "
        "top-level and\nSELECT 1"
    )
    assert not is_advisor_statement("SELECT count(*) FROM items WHERE kind = $1")
    assert not is_advisor_statement("EXPLAIN ANALYZE SELECT 1")
