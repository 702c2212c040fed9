"""Logs as servers write them: any log_line_prefix, the extended protocol, csvlog and jsonlog.

One throwaway cluster writes every statement (``log_min_duration_statement = 0``) through the
logging collector into stderr, csvlog and jsonlog files, with ``log_timezone`` in New York. A
psycopg driver sends the workload's parameters through the extended protocol: unnamed and named
prepared statements, a multi-line statement, a parameter value with a newline, a NULL, a value
cut by ``log_parameter_max_length``. The same workload runs once per ``log_line_prefix``, each
into its own ``log_directory``, and once more logged by ``log_statement = 'all'`` alone.

Done when each prefix, and the csvlog and jsonlog files, give the advice ``--query`` gives for
the same statements.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from advisor.localdb.cluster import LocalCluster, reset_statistics
from advisor.model import Report
from advisor.pipeline import analyze
from advisor.settings import RunOptions, Settings
from advisor.sources import logs, sqltext
from advisor.sources.logprefix import choose_prefix, prefix_regex
from advisor.sources.logread import (
    LogFormat,
    LogRecord,
    detect_format,
    detect_prefix,
    log_time,
    read_records,
)
from advisor.sources.logs import LogWorkload, read_logs
from advisor.sources.logsettings import ServerLogSettings, read_server_log_settings, zone_named
from advisor.sources.model import SourcedStatement
from advisor.sources.workload import SourceOptions
from tests.server_logs import logging_cluster, mark, reconfigure, snapshot, wait_for

ZONE = "America/New_York"
LOGGING = {
    "logging_collector": "on",
    "log_destination": "stderr,csvlog,jsonlog",
    "log_directory": "log_setup",
    "log_rotation_age": "0",
    "log_rotation_size": "0",
    "log_min_duration_statement": "-1",  # the setup is not logged; each phase turns it on
    "log_timezone": ZONE,
    "compute_query_id": "on",
    "lc_messages": "C",
    "log_checkpoints": "on",  # lines of a process without a session: the prefix ends at %q
}
PREFIXES = {
    "default": "%m [%p] ",
    "lines": "%t [%p-%l] %q%u@%d ",
    "bracketed": "%m [%p] %q[user=%u,db=%d,app=%a] ",
    "managed": "%t:%r:%u@%d:[%p]:",
}
# Every escape of log_line_prefix; padded; the session's part after %q.
EVERY_ESCAPE = "%m|%n|%t|%s|%p|%P|%l|%c|%v|%x|%e|%i|%b|%L|%Q|%%|%q%-12a|%u|%d|%r|%h| "
ONLY_STATEMENTS = "%m [%p] %q%u@%d "  # with log_statement = 'all' and no durations

SCHEMA = """
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, total numeric NOT NULL);
INSERT INTO orders SELECT g, g % 2000, g % 100 FROM generate_series(1, 40000) g;
CREATE TABLE events (id int PRIMARY KEY, account_id int NOT NULL, at timestamptz NOT NULL);
INSERT INTO events SELECT g, g % 1000, timestamptz '2024-01-01' + g * interval '1 minute'
  FROM generate_series(1, 40000) g;
CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL, name text NOT NULL);
INSERT INTO customers SELECT g, 'r' || g % 400, 'n' || g FROM generate_series(1, 20000) g;
CREATE TABLE tickets (id int PRIMARY KEY, subject text NOT NULL, closed_at timestamptz);
INSERT INTO tickets SELECT g, 'subject ' || g % 1000, NULL FROM generate_series(1, 20000) g;
INSERT INTO tickets VALUES (0, E'multi\\nline\\tsubject', NULL);
CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL);
INSERT INTO accounts SELECT g, 'customer' || g || '@example.com' FROM generate_series(1, 20000) g;
"""
# The workload, as psycopg sends it (%s) and as the server logs it ($n).
BY_CUSTOMER = "SELECT * FROM orders WHERE customer_id = %s"
BY_CUSTOMER_42 = "SELECT * FROM orders WHERE customer_id = 42"  # a constant, no parameter
RECENT = "SELECT id, at\n  FROM events\n WHERE account_id = %s\n   AND at >= %s\n ORDER BY at"
BY_REGION = "SELECT id, name FROM customers WHERE region = %s"  # a named prepared statement
OPEN_TICKETS = (
    "SELECT count(*) FROM tickets WHERE subject = %s AND closed_at IS NOT DISTINCT FROM %s"
)
BY_EMAIL = "SELECT id FROM accounts WHERE email = %s"  # its value is cut in the log
ELSEWHERE = "SELECT name FROM widgets WHERE name = %s"  # another database
SUBJECT = "multi\nline\tsubject"
SINCE = datetime(2024, 1, 20, tzinfo=UTC)
WORKLOAD = (BY_CUSTOMER, RECENT, BY_REGION, OPEN_TICKETS, BY_EMAIL)


def pg(text: str) -> str:
    """The text as the server logs it: ``%s`` -> ``$1``, ``$2``, ..."""
    parts = text.split("%s")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], start=1)) + parts[-1]


def fp(text: str) -> str:
    return sqltext.fingerprint(pg(text))


@dataclass
class Logged:
    cluster: LocalCluster
    files: dict[str, list[Path]]  # phase -> its stderr, csvlog and jsonlog files
    started: float
    finished: float

    def dsn(self, dbname: str = "shop") -> str:
        return self.cluster.dsn(dbname)

    def file(self, phase: str, suffix: str = ".log") -> Path:
        (path,) = (p for p in self.files[phase] if p.suffix == suffix)
        return path


def _workload(cluster: LocalCluster) -> None:
    with psycopg.connect(cluster.dsn("shop"), autocommit=True, application_name="shop app") as conn:
        for customer in (7, 8, 9):
            conn.execute(BY_CUSTOMER, (customer,)).fetchall()
        conn.execute(BY_CUSTOMER_42).fetchall()
        for account in (3, 4):
            conn.execute(RECENT, (account, SINCE)).fetchall()
        for region in ("r1", "r2"):
            conn.execute(BY_REGION, (region,), prepare=True).fetchall()  # execute _pg3_0: ...
        conn.execute(OPEN_TICKETS, (SUBJECT, None)).fetchall()
        conn.execute("SET log_parameter_max_length = 8")
        conn.execute(BY_EMAIL, ("customer77@example.com",)).fetchall()
    with psycopg.connect(cluster.dsn("other"), autocommit=True) as conn:
        conn.execute(ELSEWHERE, ("w1",)).fetchall()


def _phase(cluster: LocalCluster, base: Path, name: str, prefix: str, **extra: str) -> list[Path]:
    settings = {"log_min_duration_statement": "0", "log_statement": "none", **extra}
    reconfigure(cluster, log_directory=f"log_{name}", log_line_prefix=prefix, **settings)
    wait_for(cluster.data_dir / f"log_{name}", "", 1)
    _workload(cluster)
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    mark(cluster.dsn("shop"), f"end_of_{name}")
    return snapshot(cluster, f"log_{name}", f"end_of_{name}", 3, base / f"snap_{name}")


@pytest.fixture(scope="module")
def logged() -> Iterator[Logged]:
    with logging_cluster("logs", LOGGING, SCHEMA) as (cluster, base):
        with psycopg.connect(cluster.dsn("shop"), autocommit=True) as conn:
            reset_statistics(conn)  # no writes in the observed period: no write cost
        started = time.time()
        files = {name: _phase(cluster, base, name, prefix) for name, prefix in PREFIXES.items()}
        files["every_escape"] = _phase(cluster, base, "every_escape", EVERY_ESCAPE)
        files["only_statements"] = _phase(
            cluster, base, "only_statements", ONLY_STATEMENTS,
            log_min_duration_statement="-1", log_statement="all",
        )  # fmt: skip
        finished = time.time()
        reconfigure(cluster, log_min_duration_statement="-1", log_statement="none")
        yield Logged(cluster, files, started, finished)


def by_fingerprint(items: list[SourcedStatement]) -> dict[str, SourcedStatement]:
    return {i.fingerprint: i for i in items}


def check_workload(found: dict[str, SourcedStatement], *, timed: bool = True) -> None:
    """What every log of the workload must give, whatever its prefix or format."""
    calls = {text: found[fp(text)].statement.calls for text in WORKLOAD}
    # parse and bind lines are not counted; the constant 42 is the same statement
    assert calls == {BY_CUSTOMER: 4, RECENT: 2, BY_REGION: 2, OPEN_TICKETS: 1, BY_EMAIL: 1}
    for text in WORKLOAD:
        item = found[fp(text)]
        assert item.statement.query == pg(text)  # planned with $n, typed by what they meet
        assert (item.statement.total_exec_ms > 0) == timed, text
    by_customer = found[fp(BY_CUSTOMER)]
    assert by_customer.samples == (  # three kept, in the order they ran
        "SELECT * FROM orders WHERE customer_id = '7'",
        "SELECT * FROM orders WHERE customer_id = '8'",
        "SELECT * FROM orders WHERE customer_id = '9'",
    )
    recent = found[fp(RECENT)].samples[0]  # the lines of the statement, as sent
    assert recent.startswith(
        "SELECT id, at\n  FROM events\n WHERE account_id = '3'\n   AND at >= '"
    )
    (tickets,) = found[fp(OPEN_TICKETS)].samples  # the newline and tab in the value, and NULL
    assert tickets == pg(OPEN_TICKETS).replace("$1", "'multi\nline\tsubject'").replace("$2", "NULL")
    assert found[fp(BY_EMAIL)].samples == ()  # 'customer...': cut, so not a value


# -- reading, offline and with the server's settings ---------------------------------------------


@pytest.mark.parametrize("name", PREFIXES)
def test_each_prefix_is_read_without_being_told(logged: Logged, name: str) -> None:
    path = logged.file(name)
    prefix = PREFIXES[name]
    offline = detect_prefix(path)
    assert (offline.origin, offline.prefix) == (
        ("markers", None) if name == "lines" else ("common", prefix)
    )
    found = by_fingerprint(read_logs([path], database="shop"))
    check_workload(found)
    # Where the prefix names the database, the other database's statement is left out.
    assert (fp(ELSEWHERE) in found) == ("%d" not in (offline.prefix or ""))

    server = ServerLogSettings(line_prefix=prefix, timezone=ZONE)
    told = detect_prefix(path, server=server)
    assert (told.origin, told.prefix) == ("server", prefix)
    exact = by_fingerprint(read_logs([path], database="shop", server=server))
    check_workload(exact)
    assert (fp(ELSEWHERE) in exact) == ("%d" not in prefix)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_csvlog_and_jsonlog(logged: Logged, suffix: str) -> None:
    found = by_fingerprint(read_logs([logged.file("default", suffix)], database="shop"))
    check_workload(found)
    assert fp(ELSEWHERE) not in found  # both name the database
    assert found[fp(BY_CUSTOMER)].statement.queryids  # compute_query_id: pg_stat_statements'


def test_every_escape(logged: Logged) -> None:
    path = logged.file("every_escape")
    pattern = prefix_regex(EVERY_ESCAPE)
    starts = [line for line in path.read_text().splitlines() if not line.startswith("\t")]
    assert len(starts) > 20
    # Only the reload's own line may still carry the previous phase's prefix.
    previous = prefix_regex(PREFIXES["managed"])
    assert [line for line in starts if not pattern.match(line) and not previous.match(line)] == []
    checkpoint = next(pattern.match(s) for s in starts if "LOG:  checkpoint starting" in s)
    assert checkpoint is not None and checkpoint.group("application", "database") == (None, None)
    execute = next(pattern.match(s) for s in starts if "execute <unnamed>: SELECT * FROM o" in s)
    assert execute is not None
    assert execute.group("application", "user", "database") == ("shop app", "postgres", "shop")
    assert int(execute.group("query_id")) != 0 and int(execute.group("pid")) > 0
    assert execute.group("session").endswith(f".{int(execute.group('pid')):x}")  # %c
    # %m and %n say the same time.
    stamp, epoch = execute.group("timestamp"), execute.group(0).split("|")[1]
    assert log_time(stamp, zone_named(ZONE)) == pytest.approx(float(epoch), abs=0.002)
    found = by_fingerprint(read_logs([path], prefix=EVERY_ESCAPE, database="shop"))
    check_workload(found)
    assert fp(ELSEWHERE) not in found and found[fp(BY_CUSTOMER)].statement.queryids  # %d, %Q


def test_statements_logged_without_durations(logged: Logged) -> None:
    """``log_statement = 'all'`` alone: calls without a measured time, samples from the
    parameters (logged with the ``execute`` line)."""
    found = by_fingerprint(read_logs([logged.file("only_statements")], database="shop"))
    check_workload(found, timed=False)


@pytest.mark.parametrize("fmt", [LogFormat.stderr, LogFormat.csvlog, LogFormat.jsonlog])
def test_times_are_read_in_the_log_timezone(logged: Logged, fmt: LogFormat) -> None:
    suffix = {LogFormat.stderr: ".log", LogFormat.csvlog: ".csv", LogFormat.jsonlog: ".json"}
    path = logged.file("default", suffix[fmt])
    told, untold = LogWorkload(), LogWorkload()
    told.read(read_records(path, server=ServerLogSettings(timezone=ZONE)))
    untold.read(read_records(path))
    assert told.first_time is not None and untold.first_time is not None
    assert logged.started - 1 <= told.first_time <= told.last_time <= logged.finished + 1
    assert abs(untold.first_time - told.first_time) >= 4 * 3600  # EST/EDT read as UTC


# -- the advice ----------------------------------------------------------------------------------


def definitions(report: Report) -> list[str]:
    return sorted(r.spec.describe() for r in report.recommendations)


@pytest.fixture(scope="module")
def query_advice(logged: Logged) -> list[str]:
    """The advice for the workload given with --query."""
    sources = SourceOptions(queries=tuple(pg(text) for text in WORKLOAD))
    report = analyze(logged.dsn(), Settings(), sources, run=RunOptions(review=False))
    advice = definitions(report)
    assert len({r.spec.table for r in report.recommendations}) >= 4, advice
    return advice


def log_advice(logged: Logged, path: Path) -> tuple[list[str], Report]:
    sources = SourceOptions(use_pg_stat_statements=False, logs=(path,))
    report = analyze(logged.dsn(), Settings(), sources=sources, run=RunOptions(review=False))
    return definitions(report), report


@pytest.mark.parametrize("name", [*PREFIXES, "every_escape"])
def test_each_prefix_gives_the_advice_of_query(
    logged: Logged, query_advice: list[str], name: str
) -> None:
    prefix = PREFIXES.get(name, EVERY_ESCAPE)
    reconfigure(logged.cluster, log_line_prefix=prefix)  # connected: the server's prefix is used
    advice, report = log_advice(logged, logged.file(name))
    assert advice == query_advice
    elsewhere = [s for s in report.skipped if "widgets" in s.statement.query]
    assert bool(elsewhere) == ("%d" not in prefix)  # filtered out where the prefix names it


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_csvlog_and_jsonlog_give_the_advice_of_query(
    logged: Logged, query_advice: list[str], suffix: str
) -> None:
    advice, _ = log_advice(logged, logged.file("default", suffix))
    assert advice == query_advice


def test_statements_without_durations_give_the_advice_of_query(
    logged: Logged, query_advice: list[str]
) -> None:
    advice, _ = log_advice(logged, logged.file("only_statements"))
    assert advice == query_advice


# -- lines no psycopg writes, and the pure helpers -----------------------------------------------

SELECT_T = "SELECT * FROM t WHERE a = $1"
JDBC = [  # (pid, what follows the severity)
    (11, f"LOG:  duration: 0.050 ms  parse S_1: {SELECT_T}"),
    (11, f"LOG:  duration: 0.040 ms  bind S_1/C_1: {SELECT_T}"),
    (11, "DETAIL:  parameters: $1 = '5'"),
    (11, f"LOG:  duration: 8.000 ms  execute S_1/C_1: {SELECT_T}"),
    (11, "DETAIL:  parameters: $1 = '5'"),
    (11, f"LOG:  duration: 2.000 ms  execute fetch from S_1/C_1: {SELECT_T}"),
    (11, "DETAIL:  parameters: $1 = '5'"),
    (12, f"LOG:  duration: 1.500 ms  execute S_1: {SELECT_T}"),
    (12, "DETAIL:  parameters: $1 = 'it''s...'"),
]


def test_portals_and_fetches(tmp_path: Path) -> None:
    """JDBC's named statements and portals: one call per ``execute``, none per ``parse``,
    ``bind`` or ``execute fetch from`` (more rows of the same run)."""
    path = tmp_path / "postgresql.log"
    path.write_text(
        "".join(
            f"2024-05-01 10:00:00.{i:03} UTC [{pid}] {text}\n" for i, (pid, text) in enumerate(JDBC)
        )
    )
    (item,) = read_logs([path])
    assert (item.statement.calls, item.statement.query) == (2, "SELECT * FROM t WHERE a = $1")
    assert item.samples == ("SELECT * FROM t WHERE a = '5'",)  # 'it''s...' was cut


def test_prefix_choice() -> None:
    lines = ["2024-05-01 10:00:00 UTC [7-1] app@shop LOG:  duration: 1.000 ms  statement: SELECT 1"]
    assert choose_prefix(lines, given="%t ").origin == "given"
    assert choose_prefix(lines, server="%t [%p-%l] %q%u@%d ").origin == "server"
    moved = choose_prefix(lines, server="%m [%p] ")  # the server's prefix is not the file's
    assert (moved.origin, moved.prefix) == ("markers", None)
    assert moved.fields(lines[0]) == {
        "level": "LOG",
        "message": "duration: 1.000 ms  statement: SELECT 1",
        "pid": "7",
        "timestamp": "2024-05-01 10:00:00 UTC",
    }


def test_times_across_a_change_of_summer_time() -> None:
    zone = zone_named(ZONE)
    first = log_time("2024-11-03 01:30:00.000 EDT", zone)
    second = log_time("2024-11-03 01:30:00.000 EST", zone)  # the same wall time, an hour later
    assert first is not None and second is not None and second - first == 3600.0
    assert log_time("2024-05-01 10:00:00 +03") == log_time("2024-05-01 07:00:00 UTC")
    assert log_time("1714557600.123") == pytest.approx(1714557600.123)


def test_the_server_settings_any_role_reads(logged: Logged) -> None:
    with psycopg.connect(logged.dsn(), autocommit=True) as conn:
        conn.execute("CREATE ROLE log_reader LOGIN")
    try:
        reconfigure(logged.cluster, log_line_prefix=PREFIXES["lines"])
        with psycopg.connect(logged.cluster.dsn("shop", user="log_reader")) as conn:
            rows = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert rows.fetchall() == [(False,)]
            found = read_server_log_settings(conn)
    finally:
        with psycopg.connect(logged.dsn(), autocommit=True) as conn:
            conn.execute("DROP ROLE log_reader")
    assert found == ServerLogSettings(PREFIXES["lines"], ("stderr", "csvlog", "jsonlog"), ZONE, "C")


def test_format_of_a_file_that_does_not_say(tmp_path: Path) -> None:
    path = tmp_path / "postgresql"
    path.write_text("nothing PostgreSQL wrote\n")
    assert detect_format(path) is LogFormat.stderr
    server = ServerLogSettings(destinations=("syslog", "jsonlog", "stderr"))
    assert detect_format(path, server=server) is LogFormat.jsonlog


def test_server_settings_language() -> None:
    assert ServerLogSettings(lc_messages="C.UTF-8").english
    assert ServerLogSettings(lc_messages="en_US.UTF-8").english
    assert not ServerLogSettings(lc_messages="de_DE.UTF-8").english
    assert ServerLogSettings(destinations=("syslog", "csvlog")).file_formats == ("csvlog",)


def test_many_sessions_are_read_in_bounded_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each session's last run waits for a record that may follow (its duration, its plan); a
    log of many short sessions must not keep them all."""
    monkeypatch.setattr(logs, "MAX_PENDING", 50)
    workload = LogWorkload()
    for pid in range(1, 1001):
        text = f"SELECT * FROM t WHERE a = {pid}"
        workload.read(
            [
                LogRecord("LOG", f"statement: {text}", pid=pid, session=str(pid)),
                LogRecord("LOG", "duration: 2.000 ms", pid=pid, session=str(pid)),
            ]
        )
        assert len(workload._pending) <= 50
    (item,) = workload.result()
    assert (item.statement.calls, item.statement.total_exec_ms) == (1000, 2000.0)
