"""``advisor apply --validate``: the statements an index changes, timed before and after its
build; an index that makes one slower is dropped again.

Which statements are timed, whether they run and what is recorded are real (HypoPG, EXPLAIN
ANALYZE, the catalog). Where the verdict would rest on this machine's timer, the times are
pinned: the pinned ``measure`` still asks the server whether the index exists, so "before" and
"after" are what the server says they are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.numeric import Int8

from advisor.apply import record, run, source, validate
from advisor.apply.model import ApplyOptions, Outcome, Timing
from advisor.apply.record import JsonLinesRecorder, read_log
from advisor.errors import ConnectionFailed
from advisor.history.store import open_store
from advisor.plan_file import PlannedIndex
from advisor.report import html, markdown
from advisor.report import json as report_json
from advisor.report.run import run_report

SCHEMA = """
CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, payload text);
INSERT INTO events SELECT g, g % 500, repeat('x', 40) FROM generate_series(1, 60000) g;
CREATE SEQUENCE ticket;
"""
WORKLOAD = "SELECT id, payload FROM events WHERE kind = %s"
INDEX = "events_kind_idx"
CHANGED = "SELECT count(payload) FROM events WHERE kind = 7"
UNCHANGED = "SELECT count(payload) FROM events WHERE id < 50"
STATEMENTS = f"""
{CHANGED};
{UNCHANGED};
INSERT INTO events VALUES (0, 0, 'no');
SELECT id FROM events WHERE kind = $1;
SELECT nextval('ticket');
SELECT 1 / (SELECT count(*) FROM events WHERE payload = 'none');
"""
FAST = ApplyOptions(lock_timeout_ms=200, retries=2, retry_delay_ms=50, poll_interval_s=0.02)


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    database.run(WORKLOAD, [(Int8(i),) for i in range(1, 30)])
    return database


@pytest.fixture(scope="module")
def plan(db: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return db.saved_plan(tmp_path_factory.mktemp("plan"), [INDEX])


@pytest.fixture(scope="module")
def statements(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("validate") / "statements.sql"
    path.write_text(STATEMENTS, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def clean(db: Any) -> Any:
    yield
    db.execute(f"DROP INDEX IF EXISTS {INDEX}")


def exists(db: Any) -> bool:
    return db.execute("SELECT to_regclass(%s) IS NOT NULL", (INDEX,))[0][0]


def pinned(before_ms: float, after_ms: float) -> Any:
    """A ``measure`` with pinned times: ``after_ms`` once the index exists, else ``before_ms``."""
    runs: list[tuple[str, bool]] = []

    def measure(conn: psycopg.Connection[Any], text: str) -> float:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (INDEX,)).fetchone()
        built = bool(row and row[0])
        runs.append((text, built))
        return after_ms if built else before_ms

    measure.runs = runs  # type: ignore[attr-defined]
    return measure


def validator(db: Any, statements: Path, measure: Any = validate.run_once, **options: Any) -> Any:
    settings = validate.ValidateOptions(**{"runs": 2, **options})
    return validate.Validator(
        db.dsn, validate.read_statements(statements), settings, measure=measure
    )


def test_only_the_statements_the_index_changes_are_run_and_only_reads(
    db: Any, plan: Path, statements: Path
) -> None:
    """Real runs: HypoPG picks the statement whose plan reads the index; the unchanged one, the
    write, the one with parameters and the one calling nextval are never run. The verdict is
    kept out of the timer's reach (any slowdown allowed)."""
    check = validator(db, statements, max_slowdown=1e6)
    try:
        reasons = sorted(str(c.reason) for c in check.skipped)
        result = run.apply(db.dsn, source.load(plan), FAST, validator=check)
    finally:
        check.close()
    (built,) = result.results
    assert built.outcome is Outcome.CREATED and exists(db)
    assert [t.query for t in built.timings] == [CHANGED]
    (timing,) = built.timings
    assert timing.before_ms is not None and timing.after_ms is not None
    assert timing.before_ms > 0 and timing.after_ms > 0
    assert any("INSERT" in r and "only SELECT" in r for r in reasons), reasons
    assert any("$n parameters" in r for r in reasons), reasons
    assert any("nextval" in r and "may write" in r for r in reasons), reasons
    # the session was untracked: none of the runs (EXPLAIN ANALYZE) reached pg_stat_statements
    traces = db.execute(
        "SELECT query FROM pg_stat_statements WHERE query ILIKE '%count(payload) FROM events%'"
    )
    assert traces == []


def test_a_statement_that_fails_when_run_is_left_out(db: Any, statements: Path) -> None:
    """Division by zero happens only when the statement runs: it is dropped from the timings
    with the server's reason, and the others are still timed."""
    check = validator(db, statements)
    try:
        failing = next(s for s in check.statements if s.startswith("SELECT 1 /"))
        measured = check.time([failing, CHANGED])
    finally:
        check.close()
    assert list(measured) == [CHANGED]
    assert failing not in check.statements
    assert any("division by zero" in (c.reason or "") for c in check.skipped)


def test_an_index_that_makes_a_statement_slower_is_dropped_again(
    db: Any, plan: Path, statements: Path, tmp_path: Path
) -> None:
    measure = pinned(before_ms=20.0, after_ms=45.0)
    check = validator(db, statements, measure=measure)
    log = tmp_path / "applies.jsonl"
    try:
        result = run.apply(db.dsn, source.load(plan), FAST, validator=check,
                           recorders=[JsonLinesRecorder(log)])  # fmt: skip
    finally:
        check.close()
    (reverted,) = result.results
    assert reverted.outcome is Outcome.REVERTED and not exists(db)
    assert result.status == "ok"
    assert "2.25x" in reverted.message and "kind = 7" in reverted.message
    assert reverted.checks == ()  # not re-planned: it is gone
    # before the build, every statement reading the table ran twice; after it, only the one
    # whose plan reads the index
    assert measure.runs[:4] == [(CHANGED, False)] * 2 + [(UNCHANGED, False)] * 2
    assert [r for r in measure.runs if r[1]] == [(CHANGED, True)] * 2
    (entry,) = read_log(log)
    (index,) = entry["indexes"]
    assert index["outcome"] == "reverted"
    assert index["timings"] == [
        {"query": CHANGED, "before_ms": 20.0, "after_ms": 45.0, "first_ms": 20.0, "kept_ratio": 1.0}
    ]
    assert run.summary(reverted).startswith(f"reverted public.{INDEX}: built in ")
    # the next analysis heeds it: that index is left out with the reason (another definition,
    # such as a covering one, may still be advised: apply would judge it in turn)
    taken = record.definition(index["create_sql"])

    def advised() -> tuple[Any, list[str | None]]:
        report = db.analyze(apply_log=str(log))
        return report, [record.definition(r.create_sql) for r in report.recommendations]

    again, definitions = advised()
    assert taken is not None and taken not in definitions
    (reason,) = [why for text, why in again.left_out if text == "public.events USING btree (kind)"]
    assert reason.startswith("taken back by advisor apply --validate on ") and "2.25x" in reason
    # and the weekly report says so, from the same log through the same reader
    with open_store(str(tmp_path / "store.sqlite")) as store:
        weekly = run_report(db.dsn, store, applies_log=log)
    (back,) = weekly.taken_back
    assert (back.name, back.table, back.definition) == (INDEX, "events", taken)
    assert "## Taken back by apply --validate" in markdown.render(weekly)
    assert json.loads(report_json.render(weekly))["taken_back"][0]["why"] == back.why
    assert "Taken back by apply --validate" in html.render(weekly)
    # until an apply builds it after all: then the latest outcome stands
    built = run.apply(db.dsn, source.load(plan), FAST, recorders=[JsonLinesRecorder(log)])
    assert built.results[0].outcome is Outcome.CREATED
    db.execute(f"DROP INDEX {INDEX}")
    assert taken in advised()[1]


@pytest.mark.parametrize(
    ("before_ms", "after_ms"),
    [(20.0, 4.0), (20.0, 23.0), (2.0, 6.0)],  # faster; 15 % slower; 3x but only 4 ms
)
def test_an_index_within_the_tolerance_is_kept(
    db: Any, plan: Path, statements: Path, before_ms: float, after_ms: float
) -> None:
    check = validator(db, statements, measure=pinned(before_ms, after_ms))
    try:
        result = run.apply(db.dsn, source.load(plan), FAST, validator=check)
    finally:
        check.close()
    (kept,) = result.results
    assert kept.outcome is Outcome.CREATED and exists(db)
    assert kept.timings == (Timing(CHANGED, before_ms, after_ms, before_ms),)
    assert [c.uses_index for c in kept.checks] == [True]
    line = run.timing_line(kept, check.options)
    assert line is not None and "ran the 1 statement it changes" in line


def test_an_index_that_already_existed_is_not_judged(db: Any, plan: Path, statements: Path) -> None:
    db.execute(f"CREATE INDEX {INDEX} ON events (kind)")
    check = validator(db, statements, measure=pinned(1.0, 1000.0))
    try:
        result = run.apply(db.dsn, source.load(plan), FAST, validator=check)
    finally:
        check.close()
    (skipped,) = result.results
    assert skipped.outcome is Outcome.SKIPPED and exists(db) and skipped.timings == ()


def test_timeouts_count_as_at_least_the_timeout() -> None:
    cut_before = Timing("q", None, 900.0)
    cut_after = Timing("q", 900.0, None)
    assert not cut_before.slower(0.2, 5.0) and cut_before.ratio(1000.0) == pytest.approx(0.9)
    assert cut_after.slower(0.2, 5.0)
    assert not Timing("q", None, None).slower(0.2, 5.0)
    options = validate.ValidateOptions(timeout_ms=1000)
    cut_at_2x = Timing("q", 500.0, None)  # at least 1000 ms now: at least 2x
    assert validate.verdict([Timing("a", 100.0, 130.0), cut_at_2x], options) == cut_at_2x
    assert validate.verdict([Timing("a", 100.0, 110.0), cut_before], options) is None


def test_cli_validate_reports_and_refuses_bad_input(
    db: Any, plan: Path, statements: Path, tmp_path: Path
) -> None:
    log = tmp_path / "applies.jsonl"
    base = [sys.executable, "-m", "advisor", "apply", str(plan), "--dsn", db.dsn,
            "--log", str(log)]  # fmt: skip
    done = subprocess.run(
        [*base, "--validate", str(statements), "--validate-runs", "1", "--max-slowdown",
         "100000"], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ran the 1 statement it changes before and after" in done.stdout
    assert "--validate: not run: INSERT INTO events" in done.stderr
    missing = subprocess.run(
        [*base, "--validate", str(tmp_path / "none.sql")], capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) <= 2, missing.stderr
    assert "cannot read query file" in missing.stderr


def test_only_statements_whose_real_plan_reads_the_index_are_judged(
    db: Any, statements: Path
) -> None:
    """Every runnable statement on the table is timed before any build; after one, only those
    whose real plan reads the new index are compared (here none: nothing uses ``@>``, and GIN
    is a method HypoPG 1.3 cannot even simulate)."""
    gin = PlannedIndex(
        "public", "events", "events_kinds_gin",
        "CREATE INDEX events_kinds_gin ON public.events USING gin ((ARRAY[kind]))",
        "DROP INDEX public.events_kinds_gin",
    )  # fmt: skip
    check = validator(db, statements, measure=pinned(10.0, 10.0))
    try:
        assert check.start([gin]) == 3  # CHANGED, UNCHANGED and the one dividing by zero
        assert {CHANGED, UNCHANGED} <= set(check.last)
        db.execute(gin.create_sql)
        assert check.after(gin.name) == ()
    finally:
        check.close()
        db.execute("DROP INDEX IF EXISTS events_kinds_gin")


def test_a_kept_index_moves_the_yardstick_of_the_next(db: Any, statements: Path) -> None:
    """The next index is judged against the times with the indexes kept before it."""
    check = validator(db, statements, measure=pinned(20.0, 8.0))
    try:
        check.start([PlannedIndex("public", "events", INDEX, "", "")])
        assert check.last[CHANGED] == 20.0
        db.execute(f"CREATE INDEX {INDEX} ON events (kind)")
        timings = check.after(INDEX)
        assert timings == (Timing(CHANGED, 20.0, 8.0, 20.0),)
        check.keep(timings)
        assert check.last[CHANGED] == 8.0 and check.last[UNCHANGED] == 20.0
    finally:
        check.close()


def test_slowdowns_within_the_tolerance_do_not_add_up_beyond_it(db: Any, statements: Path) -> None:
    """Two indexes, each 15 % slower than the statement's latest time, are 32 % slower in all:
    the second goes, and says so against the time before the first build."""
    second = "events_kind_again_idx"
    times = {(): 100.0, (INDEX,): 115.0, (second,): 132.0}

    def measure(conn: psycopg.Connection[Any], text: str) -> float:
        found = conn.execute(
            "SELECT relname FROM pg_class WHERE relname IN (%s, %s) ORDER BY 1", (INDEX, second)
        ).fetchall()
        return times[tuple(name for (name,) in found)]

    check = validator(db, statements, measure=measure)
    options = check.options
    try:
        check.start([PlannedIndex("public", "events", INDEX, "", "")])
        db.execute(f"CREATE INDEX {INDEX} ON events (kind)")
        first = check.after(INDEX)
        assert first == (Timing(CHANGED, 100.0, 115.0, 100.0),)
        assert validate.verdict(first, options) is None
        check.keep(first)
        # the next index takes its place in the plan (the first one gone, so the plan must
        # read the new one): 132 ms, 1.15x its latest time and 1.32x its first
        db.execute(f"DROP INDEX {INDEX}")
        db.execute(f"CREATE INDEX {second} ON events (kind)")
        (timing,) = check.after(second)
        assert timing == Timing(CHANGED, 115.0, 132.0, 100.0, kept_ratio=1.15)
        assert not timing.slower(options.max_slowdown, options.floor_ms)
        assert validate.verdict([timing], options) == timing
        why = validate.describe(timing, options)
        assert "before the first build" in why and "1.32x" in why
    finally:
        check.close()
        db.execute(f"DROP INDEX IF EXISTS {second}")


UNREAD = "events_unread_idx"


def planned_on(table: str, name: str, definition: str) -> PlannedIndex:
    create = f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON public.{table} {definition}"
    return PlannedIndex("public", table, name, create, f"DROP INDEX IF EXISTS {name}")


def unread_index() -> PlannedIndex:
    """A partial index whose predicate no statement implies: no plan reads it."""
    return planned_on("events", UNREAD, "(id) WHERE kind < 0")


def apply_validated(
    db: Any, statements: Path, indexes: tuple[PlannedIndex, ...], measure: Any, *, then: str
) -> tuple[Any, list[str], Any]:
    """``indexes`` applied with --validate timed by ``measure``: the result, what apply said, and
    the validator; ``then`` runs afterwards, whatever happened."""
    check = validator(db, statements, measure=measure)
    said: list[str] = []
    try:
        result = run.apply(
            db.dsn, source.Source(Path("<test>"), indexes), FAST, validator=check,
            say=said.append,
        )  # fmt: skip
    finally:
        check.close()
        db.execute(then)
    return result, said, check


def test_a_later_build_is_judged_against_a_time_taken_right_before_it(
    db: Any, statements: Path
) -> None:
    """The machine gets 30 % slower after the first build (which no statement's plan reads);
    the second index changes nothing. Judged against the times of the apply's start, it would
    look 1.30x slower, by its own ratio and in all; the statements reading its table are timed
    again right before its build, so it is judged against 130 ms and kept."""

    def measure(conn: psycopg.Connection[Any], text: str) -> float:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (UNREAD,)).fetchone()
        return 130.0 if row and row[0] else 100.0  # from the first build on, slower

    indexes = (unread_index(), planned_on("events", INDEX, "(kind)"))
    result, said, check = apply_validated(
        db, statements, indexes, measure, then=f"DROP INDEX IF EXISTS {UNREAD}"
    )
    assert said[-1] == f"--validate: timed 3 statements again before building {INDEX}"
    unread, kept = result.results
    assert unread.outcome is Outcome.CREATED and unread.timings == ()
    assert kept.outcome is Outcome.CREATED, kept.message
    assert kept.timings == (Timing(CHANGED, 130.0, 130.0, 100.0),)
    (timing,) = kept.timings
    assert timing.ratio_to_first(check.options.timeout_ms) == pytest.approx(1.0)
    # before the second build, the statements reading events were timed again (build 1's
    # clock); after it, only the one whose plan reads the index (build 2's)
    assert (check.timed_at[CHANGED], check.timed_at[UNCHANGED]) == (2, 1)


def test_no_statement_is_timed_again_for_an_index_that_will_not_be_built(
    db: Any, statements: Path
) -> None:
    """The second index exists already: it is skipped, not judged, so a fresh "before" for it
    would be runs for nothing."""
    db.execute(f"CREATE INDEX {INDEX} ON events (kind)")
    indexes = (unread_index(), planned_on("events", INDEX, "(kind)"))
    result, said, check = apply_validated(
        db, statements, indexes, pinned(100.0, 100.0), then=f"DROP INDEX IF EXISTS {UNREAD}"
    )
    built, skipped = result.results
    assert built.outcome is Outcome.CREATED and skipped.outcome is Outcome.SKIPPED
    assert not any("again before" in line for line in said), said
    assert check.builds == 1 and set(check.timed_at.values()) == {0}


def test_an_index_on_a_partitioned_table_counts_as_a_build_for_the_next_before(
    db: Any, statements: Path
) -> None:
    """Built but not judged (it cannot be dropped CONCURRENTLY), an index on a partitioned
    table may still change the machine's times: the next index's statements are timed again."""
    db.execute(
        "CREATE TABLE parted (id int, kind int) PARTITION BY RANGE (id);"
        "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000);"
        "INSERT INTO parted SELECT g, g % 7 FROM generate_series(0, 999) g"
    )
    indexes = (planned_on("parted", "parted_kind_idx", "(kind)"),
               planned_on("events", INDEX, "(kind)"))  # fmt: skip
    result, said, _check = apply_validated(
        db, statements, indexes, pinned(100.0, 100.0), then="DROP TABLE parted"
    )
    on_parent, kept = result.results
    assert on_parent.outcome is Outcome.CREATED and on_parent.partitioned, on_parent
    assert kept.outcome is Outcome.CREATED, kept.message
    assert f"--validate: timed 3 statements again before building {INDEX}" in said, said


def test_a_lost_timing_session_stops_the_apply_in_one_line_and_records_it(
    db: Any, plan: Path, statements: Path, tmp_path: Path
) -> None:
    def dies_after_the_build(conn: psycopg.Connection[Any], text: str) -> float:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (INDEX,)).fetchone()
        if row and row[0]:
            conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return 10.0

    check = validator(db, statements, measure=dies_after_the_build)
    log = tmp_path / "applies.jsonl"
    try:
        with pytest.raises(ConnectionFailed, match=r"^--validate: the timing session failed"):
            run.apply(db.dsn, source.load(plan), FAST, validator=check,
                      recorders=[JsonLinesRecorder(log)])  # fmt: skip
    finally:
        check.close()
    (entry,) = read_log(log)
    assert entry["status"] == "interrupted"
    assert [i["outcome"] for i in entry["indexes"]] == ["created"] and exists(db)
