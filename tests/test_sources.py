"""Workload sources: real server logs, live sessions and query files, merged by fingerprint.

One throwaway cluster logs everything (log_min_duration_statement = 0, auto_explain, errors with
their statements) in three phases, switched by reloading the configuration into a new
log_directory: (a) stderr + csvlog + jsonlog with the default prefix, (b) stderr with pgBadger's
prefix, (c) stderr with a custom prefix. Each phase's files are copied once complete, so later
tests do not change them.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from advisor.db import session
from advisor.errors import UsageError
from advisor.localdb.cluster import LocalCluster
from advisor.model import Statement
from advisor.pipeline import analyze
from advisor.settings import Settings
from advisor.sources import sqltext
from advisor.sources.activity import sample_activity
from advisor.sources.files import given_queries, parse_script, read_query_file
from advisor.sources.logprefix import prefix_regex
from advisor.sources.logread import detect_format, detect_prefix, read_records
from advisor.sources.logs import LogWorkload, read_logs
from advisor.sources.merge import apply_limits, merge
from advisor.sources.model import SourcedStatement
from advisor.sources.pgss import read_statements
from advisor.sources.workload import SourceOptions, collect
from tests.server_logs import logging_cluster, mark, reconfigure, snapshot, wait_for

LOGGING = {
    "logging_collector": "on",
    "log_destination": "stderr,csvlog,jsonlog",
    "log_directory": "log_a",
    "log_rotation_age": "0",
    "log_rotation_size": "0",
    "log_line_prefix": "%m [%p] ",
    "log_min_duration_statement": "0",
    "log_min_error_statement": "error",
    "session_preload_libraries": "auto_explain",
    "auto_explain.log_min_duration": "0",
    "compute_query_id": "on",
}
PREFIX_B = "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "
PREFIX_C = "%m|%c|%Q|%d| "

SCHEMA = """
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text, total numeric);
INSERT INTO orders SELECT g, g % 500, CASE WHEN g % 7 = 0 THEN 'open' ELSE 'done' END, g % 100
  FROM generate_series(1, 5000) g;
"""
LOOKUP = "SELECT id, total FROM orders WHERE customer_id = {}"
BOUND = "SELECT id FROM orders WHERE status = %s AND total > %s"
BOUND_PG = "SELECT id FROM orders WHERE status = $1 AND total > $2"
MULTILINE = "SELECT o.id\n\tFROM orders o\n\tWHERE o.customer_id IN (1, 2, 3)\n\tORDER BY o.id"
SLOW = "SELECT id FROM orders WHERE customer_id = {} AND pg_sleep(0.2) IS NOT NULL"
LOCKED = "SELECT count(*) FROM orders WHERE status = 'locked-out'"
JSON_PLANNED = "SELECT count(*) FROM orders WHERE total < 50"
PREPARED = "SELECT total FROM orders WHERE id = $1"
PAIRED = "SELECT status FROM orders WHERE id = {}"
TRIPLE = "SELECT max(total) FROM orders WHERE status = 'done'"
ELSEWHERE = "SELECT name FROM widgets WHERE name = 'w1'"
ADVISOR_OWN = "SELECT count(*) FROM orders WHERE status = 'advisor-only'"


@dataclass
class Logged:
    cluster: LocalCluster
    base: Path
    phases: dict[str, list[Path]]

    def dsn(self, dbname: str = "shop", **extra: str) -> str:
        return self.cluster.dsn(dbname) + "".join(f" {k}={v}" for k, v in extra.items())

    def files(self, phase: str, suffix: str = ".log") -> list[Path]:
        return [p for p in self.phases[phase] if p.suffix == suffix]


def _snapshot(logged: Logged, phase: str, marker: str, count: int) -> None:
    target = logged.base / f"snap_{phase}"
    logged.phases[phase] = snapshot(logged.cluster, f"log_{phase}", marker, count, target)


def _phase_a(logged: Logged) -> None:
    shop = logged.dsn()
    with psycopg.connect(shop, autocommit=True) as conn:
        for customer in (42, 42, 43):
            conn.execute(LOOKUP.format(customer)).fetchall()  # simple protocol: constants
        for params in (("open", 10), ("open", 20)):
            conn.execute(BOUND, params).fetchall()  # extended protocol: $n + parameters
        conn.execute(MULTILINE).fetchall()
        conn.execute(f"PREPARE by_id(int) AS {PREPARED}")
        for key in (5, 6):
            conn.execute(f"EXECUTE by_id({key})").fetchall()
        conn.execute("SET auto_explain.log_format = json")
        conn.execute(JSON_PLANNED).fetchall()
        conn.execute("SET auto_explain.log_format = text")
        conn.execute("SET statement_timeout = '200ms'")
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute(SLOW.format(99))
        conn.execute("SET log_parameter_max_length_on_error = -1")  # parameters in CONTEXT
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute(SLOW.format("%s"), (97,))
        conn.execute("RESET statement_timeout")
    with psycopg.connect(shop) as holder, psycopg.connect(shop, autocommit=True) as waiter:
        holder.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        waiter.execute("SET lock_timeout = '100ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            waiter.execute(LOCKED)
        holder.rollback()
    with psycopg.connect(logged.dsn("other"), autocommit=True) as conn:
        conn.execute(ELSEWHERE).fetchall()
    mark(shop, "end_of_phase_a")
    _snapshot(logged, "a", "end_of_phase_a", 3)


def _phase_b(logged: Logged) -> None:
    reconfigure(
        logged.cluster, log_directory="log_b", log_destination="stderr", log_line_prefix=PREFIX_B
    )
    wait_for(logged.cluster.data_dir / "log_b", "", 1)
    with psycopg.connect(logged.dsn(), autocommit=True) as conn:
        for customer in (7, 8):
            conn.execute(LOOKUP.format(customer)).fetchall()
    with psycopg.connect(logged.dsn(application_name="advisor"), autocommit=True) as conn:
        conn.execute(ADVISOR_OWN).fetchall()
    with psycopg.connect(logged.dsn("other"), autocommit=True) as conn:
        conn.execute(ELSEWHERE).fetchall()
    mark(logged.dsn(), "end_of_phase_b")
    _snapshot(logged, "b", "end_of_phase_b", 1)


def _phase_c(logged: Logged) -> None:
    reconfigure(logged.cluster, log_directory="log_c", log_line_prefix=PREFIX_C)
    wait_for(logged.cluster.data_dir / "log_c", "", 1)
    reconfigure(logged.cluster, statement_timeout="300ms")  # logged: parameter ... changed
    wait_for(logged.cluster.data_dir / "log_c", '"statement_timeout" changed', 1)
    with psycopg.connect(logged.dsn(), autocommit=True) as conn:
        conn.execute(MULTILINE).fetchall()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute(SLOW.format(98))
    reconfigure(logged.cluster, statement_timeout="0")
    with psycopg.connect(logged.dsn(), autocommit=True) as conn:
        # log_statement + log_duration: "statement: ..." then a bare "duration: ..." line
        conn.execute("SET log_min_duration_statement = -1")
        conn.execute("SET auto_explain.log_min_duration = -1")
        conn.execute("SET log_statement = 'all'")
        conn.execute("SET log_duration = on")
        for key in (17, 18):
            conn.execute(PAIRED.format(key)).fetchall()
        # log_statement, auto_explain and log_min_duration_statement: three records, one run
        conn.execute("SET log_duration = off")
        conn.execute("SET log_min_duration_statement = 0")
        conn.execute("SET auto_explain.log_min_duration = 0")
        conn.execute(TRIPLE).fetchall()
    mark(logged.dsn(), "end_of_phase_c")
    _snapshot(logged, "c", "end_of_phase_c", 1)


@pytest.fixture(scope="module")
def logged() -> Iterator[Logged]:
    with logging_cluster("sources", LOGGING, SCHEMA) as (cluster, base):
        result = Logged(cluster, base, {})
        _phase_a(result)
        _phase_b(result)
        _phase_c(result)
        yield result


def by_fingerprint(items: list[SourcedStatement]) -> dict[str, SourcedStatement]:
    return {i.fingerprint: i for i in items}


def fp(text: str) -> str:
    return sqltext.fingerprint(text)


# -- server logs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".log", ".csv", ".json"])
def test_each_log_format_gives_the_same_workload(logged: Logged, suffix: str) -> None:
    (path,) = logged.files("a", suffix)
    found = by_fingerprint(read_logs([path], database="shop"))

    lookup = found[fp(LOOKUP.format(1))]
    assert lookup.statement.query == "SELECT id, total FROM orders WHERE customer_id = $1"
    assert lookup.statement.calls == 3  # auto_explain and the duration line are one call
    assert lookup.statement.total_exec_ms > 0 and lookup.timeouts == 0
    assert set(lookup.samples) == {LOOKUP.format(42), LOOKUP.format(43)}
    assert (
        lookup.logged_plan is not None and "Seq Scan on orders" in lookup.logged_plan["Plan Text"]
    )

    bound = found[fp(BOUND_PG)]
    assert bound.statement.calls == 2
    assert "SELECT id FROM orders WHERE status = 'open' AND total > '10'" in bound.samples

    prepared = found[fp(PREPARED)]  # SQL-level PREPARE / EXECUTE
    assert prepared.statement.calls == 2 and prepared.statement.query == PREPARED
    assert set(prepared.samples) == {PREPARED.replace("$1", "5"), PREPARED.replace("$1", "6")}

    multiline = found[fp(MULTILINE)]
    assert multiline.samples == (MULTILINE,)  # tab-continued lines restored exactly

    planned = found[fp(JSON_PLANNED)]
    assert planned.statement.calls == 1
    assert (
        planned.logged_plan is not None and planned.logged_plan["Plan"]["Node Type"] == "Aggregate"
    )

    slow = found[fp(SLOW.format(1))]  # cancelled: never finished, weighted by its SET timeout
    assert (slow.timeouts, slow.statement.calls, slow.statement.total_exec_ms) == (2, 2, 400.0)
    assert slow.samples == (SLOW.format(99), SLOW.format("'97'"))
    locked = found[fp(LOCKED)]
    assert (locked.timeouts, locked.statement.total_exec_ms) == (1, 100.0)

    # Another database: csvlog and jsonlog name it, the default stderr prefix does not.
    assert (fp(ELSEWHERE) in found) == (suffix == ".log")
    for item in found.values():  # SET, LOCK, CREATE ...: no index helps them
        assert sqltext.is_workload(item.statement.query), item.statement.query
    if suffix != ".log":  # csvlog and jsonlog carry query_id, as pg_stat_statements' queryid
        assert bound.statement.queryids
    assert fp(ELSEWHERE) in by_fingerprint(read_logs([path]))
    workload = LogWorkload()
    workload.read(read_records(path))
    assert workload.span_seconds is not None and 0 < workload.span_seconds < 60


def test_formats_and_prefixes_are_detected(logged: Logged) -> None:
    assert [detect_format(p).value for p in logged.phases["a"]] == ["csvlog", "jsonlog", "stderr"]
    assert detect_prefix(logged.files("a")[0]).prefix == "%m [%p] "
    assert detect_prefix(logged.files("b")[0]).prefix == PREFIX_B


def test_prefix_with_database_and_application(logged: Logged) -> None:
    (path,) = logged.files("b")
    found = by_fingerprint(read_logs([path], database="shop"))
    lookup = found[fp(LOOKUP.format(1))]
    assert lookup.statement.calls == 2 and len(lookup.samples) == 2
    assert fp(ELSEWHERE) not in found
    assert fp(ADVISOR_OWN) not in found  # the advisor's own sessions are left out
    everything = by_fingerprint(read_logs([path], exclude_applications=()))
    assert fp(ELSEWHERE) in everything and fp(ADVISOR_OWN) in everything


def test_custom_prefix_compressed_and_server_timeout(logged: Logged, tmp_path: Path) -> None:
    (path,) = logged.files("c")
    assert detect_prefix(path).origin == "markers"  # no common prefix: severity markers
    by_markers = by_fingerprint(read_logs([path], database="shop"))
    packed = tmp_path / "postgresql.log.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    found = by_fingerprint(read_logs([packed], prefix=PREFIX_C, database="shop"))
    assert found == by_fingerprint(read_logs([path], prefix=PREFIX_C, database="shop"))
    slow = found[fp(SLOW.format(1))]
    # No SET in the session: the weight is the server's statement_timeout from the reload line.
    assert (slow.timeouts, slow.statement.total_exec_ms) == (1, 300.0)
    assert found[fp(MULTILINE)].statement.queryids  # %Q
    assert found[fp(MULTILINE)].samples == (MULTILINE,)
    paired = found[fp(PAIRED.format(1))]
    assert paired.statement.calls == 2 and paired.statement.total_exec_ms > 0
    triple = found[fp(TRIPLE)]
    assert triple.statement.calls == 1 and triple.logged_plan is not None
    # The markers find the same statements and calls, without the database (so other databases'
    # statements too: pg_reload_conf() in postgres) or the query id.
    for text in (MULTILINE, SLOW.format(1), PAIRED.format(1), TRIPLE):
        assert by_markers[fp(text)].statement.calls == found[fp(text)].statement.calls, text
    assert by_markers[fp("SELECT pg_reload_conf()")].statement.calls > 1
    assert by_markers[fp(MULTILINE)].samples == (MULTILINE,)
    assert not by_markers[fp(MULTILINE)].statement.queryids


def test_timeout_default_when_the_log_does_not_say(tmp_path: Path) -> None:
    log = tmp_path / "postgresql.log"
    log.write_text(
        "2024-05-01 10:00:00.000 UTC [11] ERROR:  canceling statement due to statement timeout\n"
        "2024-05-01 10:00:00.000 UTC [11] STATEMENT:  SELECT * FROM t\n"
        "\tWHERE a = 1\n"
    )
    (item,) = read_logs([log])
    assert item.samples == ("SELECT * FROM t\nWHERE a = 1",)
    assert (item.timeouts, item.statement.total_exec_ms) == (1, 60_000.0)
    (item,) = read_logs([log], statement_timeout_ms=5_000)
    assert item.statement.total_exec_ms == 5_000.0


# -- merged with pg_stat_statements, and planned -------------------------------------------------


def test_merge_with_pg_stat_statements(logged: Logged) -> None:
    (csv_log,) = logged.files("a", ".csv")
    with session.connect(logged.dsn(), statement_timeout_ms=10_000, lock_timeout_ms=1_000) as conn:
        pgss = read_statements(conn, "public", Settings())
    assert fp(SLOW.format(1)) not in {fp(s.query) for s in pgss}  # cancelled: not recorded

    merged = by_fingerprint(merge(pgss, read_logs([csv_log], database="shop")))
    lookup = merged[fp(LOOKUP.format(1))]
    assert lookup.sources == ("pg_stat_statements", "log")
    assert lookup.statement.source == "pg_stat_statements+log"
    pgss_lookup = next(s for s in pgss if fp(s.query) == lookup.fingerprint)
    assert lookup.statement.queryid == pgss_lookup.queryid
    assert lookup.statement.query == pgss_lookup.query
    assert lookup.statement.calls == max(pgss_lookup.calls, 3)  # one view, not the sum
    assert LOOKUP.format(42) in lookup.samples
    bound = merged[fp(BOUND_PG)]
    assert bound.statement.queryid in bound.statement.queryids  # the log's query_id is pgss'

    slow = merged[fp(SLOW.format(1))]
    assert slow.sources == ("log",) and slow.timeouts == 2
    assert slow.statement.total_exec_ms == 400.0


def test_timed_out_statement_gets_advice(logged: Logged) -> None:
    (path,) = logged.files("a")
    slow = by_fingerprint(read_logs([path], database="shop"))[fp(SLOW.format(1))]
    # auto_explain logging every plan, EXPLAIN's included, breaks HypoPG's EXPLAIN ("cache lookup
    # failed for index"): the advisor's role must not run it (docs/workload-sources.md).
    dsn = logged.dsn(options="'-c auto_explain.log_min_duration=-1'")
    report = analyze(dsn, Settings(), SourceOptions(queries=(slow.statement.query,)))
    assert [(r.spec.table.name, r.spec.key_texts) for r in report.recommendations] == [
        ("orders", ("customer_id",))
    ]


# -- live sessions -------------------------------------------------------------------------------


def test_activity_sample_catches_a_statement_that_times_out(logged: Logged) -> None:
    running = SLOW.format(77)
    outcome: list[BaseException] = []
    started = threading.Event()

    def run() -> None:
        with psycopg.connect(logged.dsn(), autocommit=True) as conn:
            conn.execute("SET statement_timeout = '2s'")
            started.set()
            try:
                conn.execute(running)
            except psycopg.Error as exc:
                outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert started.wait(10)
        with session.connect(
            logged.dsn(), statement_timeout_ms=10_000, lock_timeout_ms=1_000
        ) as conn:
            found = sample_activity(conn, duration_s=1.0, interval_s=0.2, min_running_s=0.2)
    finally:
        worker.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], psycopg.errors.QueryCanceled)
    (item,) = found  # our own polling query is not there
    assert item.fingerprint == fp(running) and item.sources == ("activity",)
    assert item.statement.calls == 1 and item.statement.total_exec_ms >= 200
    assert item.samples == (running,)
    assert (
        item.statement.query
        == "SELECT id FROM orders WHERE customer_id = $1 AND pg_sleep($2) IS NOT NULL"
    )


def test_activity_sample_rate_is_bounded(logged: Logged) -> None:
    with (
        session.connect(logged.dsn(), statement_timeout_ms=10_000, lock_timeout_ms=1_000) as conn,
        pytest.raises(UsageError, match="too short"),
    ):
        sample_activity(conn, duration_s=1.0, interval_s=0.01)


# -- query files ---------------------------------------------------------------------------------

SCRIPT = """\
-- nightly report
-- calls: 120
SELECT id, total FROM orders WHERE customer_id = 5;

/* a semicolon inside a string or a dollar quote does not split */
SELECT id FROM orders WHERE status = ';' AND total > $1;
SELECT $$a;b$$ AS x, id FROM orders WHERE id = $1;
-- calls: 3
select id, total from orders where customer_id = 6
"""


def test_query_file_with_calls_comments(logged: Logged, tmp_path: Path) -> None:
    path = tmp_path / "workload.sql"
    path.write_text(SCRIPT)
    items = read_query_file(path)
    assert [(i.statement.query, i.statement.calls) for i in items] == [
        ("SELECT id, total FROM orders WHERE customer_id = 5", 123),
        ("SELECT id FROM orders WHERE status = ';' AND total > $1", 1),
        ("SELECT $$a;b$$ AS x, id FROM orders WHERE id = $1", 1),
    ]
    assert items[0].samples == (
        "SELECT id, total FROM orders WHERE customer_id = 5",
        "select id, total from orders where customer_id = 6",
    )
    assert items[1].samples == () and all(i.sources == ("file",) for i in items)

    with session.connect(logged.dsn(), statement_timeout_ms=10_000, lock_timeout_ms=1_000) as conn:
        pgss = read_statements(conn, "public", Settings())
    merged = by_fingerprint(merge(pgss, items))
    lookup = merged[fp(LOOKUP.format(1))]
    assert lookup.sources == ("pg_stat_statements", "file")
    assert lookup.statement.query == "SELECT id, total FROM orders WHERE customer_id = $1"
    kept = apply_limits(merged.values(), Settings(min_calls=10_000))
    assert {i.fingerprint for i in kept} == {i.fingerprint for i in items}  # named: always kept


def test_query_file_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read query file"):
        read_query_file(tmp_path / "missing.sql")
    empty = tmp_path / "empty.sql"
    empty.write_text("-- calls: 3\n")
    with pytest.raises(UsageError, match="no SQL statement"):
        read_query_file(empty)


def test_given_queries() -> None:
    (item,) = given_queries(["SELECT * FROM orders WHERE id = $1;"])
    assert item.statement == Statement(
        None, (), "SELECT * FROM orders WHERE id = $1", 1, 0.0, 0.0, source="query"
    )
    assert [
        i.statement.calls
        for i in parse_script("select 1; select 2 from t; -- calls: 0\nselect 3 from u")
    ] == [
        1,
        1,
    ]


# -- pure helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "line", "expected"),
    [
        ("%m [%p] ", "2024-05-01 10:00:00.123 UTC [42] LOG:  duration: 1.0 ms", {"pid": "42"}),
        (
            "%m [%p] %q%u@%d ",
            "2024-05-01 10:00:00.123 CEST [42] app_user@shop ERROR:  boom",
            {"pid": "42", "user": "app_user", "database": "shop", "level": "ERROR"},
        ),
        ("%m [%p] %q%u@%d ", "2024-05-01 10:00:00.123 +03 [7] LOG:  checkpoint", {"pid": "7"}),
        (
            "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
            "2024-05-01 10:00:00 UTC [9]: [3-1] user=u,db=d,app=psql, the shell,client=[local] "
            "STATEMENT:  SELECT 1",
            {"application": "psql, the shell", "database": "d", "level": "STATEMENT"},
        ),
        ("%-6p|%a|", "42    |my app|LOG:  00000: hello", {"pid": "42", "message": "hello"}),
        ("%n %c %Q ", "1714557600.123 6632a1e0.2a -77 LOG:  x", {"query_id": "-77"}),
    ],
)
def test_prefix_regex(prefix: str, line: str, expected: dict[str, str]) -> None:
    match = prefix_regex(prefix).match(line)
    assert match is not None
    assert {k: match.group(k) for k in expected} == expected


def test_fingerprints_agree_across_sources() -> None:
    assert fp("SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)") == fp(
        "select * from t where a = 5 and b in (1, 2, 3)"
    )
    assert fp("SELECT * FROM t WHERE d > date $1") == fp(
        "SELECT * FROM t WHERE d > date '2024-01-01'"
    )


def test_bind_parameters_only_replaces_parameters() -> None:
    params = sqltext.parse_parameters("parameters: $1 = 'it''s', $2 = NULL, $10 = '3'")
    assert params == {1: "'it''s'", 2: "NULL", 10: "'3'"}
    text = "SELECT '$1', a FROM t WHERE a = $1 AND b IS NOT DISTINCT FROM $2 LIMIT $10"
    assert sqltext.bind_parameters(text, params) == (
        "SELECT '$1', a FROM t WHERE a = 'it''s' AND b IS NOT DISTINCT FROM NULL LIMIT '3'"
    )
    assert sqltext.bind_parameters("SELECT $3", params) is None


def test_merge_takes_the_largest_evidence_plus_timeouts() -> None:
    text = "SELECT * FROM t WHERE a = $1"
    pgss = Statement(11, (11,), text, 100, 5_000.0, 50.0)
    log_view = SourcedStatement(
        Statement(None, (), text, 42, 2_000.0 + 120_000.0, 0.0, source="log"),
        fp(text),
        samples=("SELECT * FROM t WHERE a = 3",),
        timeouts=2,
        timeout_ms=120_000.0,
        sources=("log",),
    )
    (merged,) = merge([pgss], [log_view])
    assert merged.statement.calls == 100 + 2
    assert merged.statement.total_exec_ms == 5_000.0 + 120_000.0
    assert (merged.statement.queryid, merged.timeouts, merged.samples) == (
        11, 2, ("SELECT * FROM t WHERE a = 3",),
    )  # fmt: skip
    # Two rotated files of the same source add up.
    (summed,) = merge([log_view, log_view])
    assert (summed.statement.calls, summed.timeouts) == (84, 4)


def test_docs_name_the_settings_each_source_reads() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "workload-sources.md").read_text()
    for name in (
        "log_min_duration_statement", "log_min_error_statement", "log_line_prefix",
        "log_destination", "lc_messages", "auto_explain.log_min_duration", "log_statement",
        "log_timezone", "log_parameter_max_length", "execute <unnamed>", "execute S_1/C_1",
        "log_parameter_max_length_on_error", "track_activity_query_size", "pg_read_all_stats",
        "--log", "--log-format", "--log-prefix", "--log-statement-timeout", "--sample-activity",
        "--queries", "--query", "-- calls: N", "--with-workload",
    ):  # fmt: skip
        assert name in docs, name


def test_collect_every_source_into_one_workload(logged: Logged, tmp_path: Path) -> None:
    (csv_log,) = logged.files("a", ".csv")
    script = tmp_path / "slow.sql"
    script.write_text("-- calls: 5\nSELECT id FROM orders WHERE status = 'open' AND total > 90;\n")
    options = SourceOptions(
        logs=(csv_log,),
        query_files=(script,),
        queries=("SELECT * FROM orders WHERE id = $1",),
        sample_activity_s=0.0,  # 0: not sampled
        with_workload=True,
    )
    with session.connect(logged.dsn(), statement_timeout_ms=10_000, lock_timeout_ms=1_000) as conn:
        workload = collect(conn, options, Settings(top=2), database="shop", pgss_schema="public")
    items = list(workload.items)
    assert workload.log_span_seconds is not None and workload.log_span_seconds > 0
    assert workload.statements == [i.statement for i in items]
    by_fp = by_fingerprint(items)
    assert by_fp[fp(BOUND_PG)].sources == ("pg_stat_statements", "log", "file")
    assert fp("SELECT * FROM orders WHERE id = 1") in by_fp
    measured = [i for i in items if not {"file", "query"} & set(i.sources)]
    assert len(measured) == 2  # --top applies to the merged measured statements
    assert measured[0].fingerprint == fp(SLOW.format(1))  # two timeouts: the heaviest
