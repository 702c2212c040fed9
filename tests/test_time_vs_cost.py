"""Statements far slower than their plan cost predicts get a note naming what would help
(``advisor.time_vs_cost``), on a real server.

The misjudged statement is the classic one: two perfectly correlated columns filtered together,
which the planner multiplies as if independent, so it expects 2 sensors where there are 200 and
plans the join for 2. Its time, and every other statement's, comes from a server log the test
writes (the pinned timing input): each well-estimated statement took its own plan cost times
0.01 ms, the misjudged one hit the 60 s statement timeout. The costs are the server's own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from advisor.collect.catalog import read_catalog
from advisor.mcp import summary as mcp_summary
from advisor.model import ParsedStatement, Report, Statement, StatementResult, TableRef
from advisor.parse.statement import analyse
from advisor.pipeline import analyze
from advisor.render import json as analyze_json
from advisor.settings import RunOptions, Settings
from advisor.sources.workload import SourceOptions
from advisor.table_view.build import _verdicts
from advisor.time_vs_cost import CALIBRATION_MIN_MEAN_MS, FACTOR, MIN_CALIBRATION
from tests.rendered_notes import assert_listed

SCHEMA = """
CREATE TABLE sensor (id int PRIMARY KEY, site int NOT NULL, zone int NOT NULL, kind text);
INSERT INTO sensor SELECT g, g % 100, g % 100, 'k' || (g % 7) FROM generate_series(1, 20000) g;
CREATE TABLE reading (id bigint PRIMARY KEY, sensor_id int NOT NULL, value numeric,
                      taken_at timestamptz NOT NULL);
INSERT INTO reading
SELECT g, g % 20000 + 1, g % 1000, timestamptz '2024-01-01' + g * interval '1 minute'
  FROM generate_series(1, 200000) g;
"""

MISJUDGED = (
    "SELECT avg(r.value) FROM sensor s JOIN reading r ON r.sensor_id = s.id "
    "WHERE s.site = 7 AND s.zone = 7"
)
MATCHED = "SELECT count(*) FROM reading WHERE sensor_id = 5"  # helped by an index, as predicted
WELL_ESTIMATED = [
    MATCHED,
    "SELECT kind, count(*) FROM sensor GROUP BY kind",
    "SELECT count(*) FROM sensor WHERE zone = 4",
    "SELECT max(taken_at) FROM reading",
    "SELECT count(*) FROM sensor WHERE site = 3",
    "SELECT sum(value) FROM reading WHERE sensor_id = 11 AND value = 10",
]
MS_PER_COST = 0.01
LOCKED = "UPDATE sensor SET kind = 'x' WHERE id = 9"  # waited 3 s for a row lock
QUICK = "SELECT * FROM sensor WHERE id = 5"  # 0.08 ms: too quick to calibrate on


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    return make_db(SCHEMA)


def plan_cost(db: Any, query: str) -> float:
    (row,) = db.execute(f"EXPLAIN (FORMAT JSON) {query}")
    return float(row[0][0]["Plan"]["Total Cost"])


def write_log(path: Path, timed: list[tuple[str, float]], timeouts: list[str]) -> Path:
    """A server log (PostgreSQL's default ``%m [%p] `` prefix) with these durations."""
    lines = []
    for pid, (query, ms) in enumerate(timed, start=100):
        lines.append(f"2024-05-01 10:{pid % 60:02}:00.000 UTC [{pid}] LOG:  duration: {ms:.3f} ms"
                     f"  statement: {query}")  # fmt: skip
    for pid, query in enumerate(timeouts, start=200):
        at = f"2024-05-01 11:{pid % 60:02}:00.000 UTC [{pid}]"
        lines.append(f"{at} ERROR:  canceling statement due to statement timeout")
        lines.append(f"{at} STATEMENT:  {query}")
    path.write_text("\n".join(lines) + "\n")
    return path


def analyse_log(db: Any, log: Path, *, given: tuple[str, ...] = (), **settings: Any) -> Report:
    """An analysis of the log alone (and the ``given`` statements, as ``--query``), at
    ``min_improvement`` 0.10 unless ``settings`` say otherwise."""
    sources = SourceOptions(
        use_pg_stat_statements=False, logs=(log,), queries=given, with_workload=bool(given)
    )
    tuned = Settings(**{"min_improvement": 0.10, **settings})
    return analyze(db.dsn, tuned, sources, run=RunOptions(review=False))


def result(report: Report, query: str) -> StatementResult:
    """The statement whose sample is ``query`` (log statements are normalized)."""
    (found,) = [
        s for s in report.statements if query in s.statement.samples or s.statement.query == query
    ]
    return found


def test_the_row_estimate_is_badly_wrong(db: Any) -> None:
    """The premise, from the server itself: the planner expects 100x fewer sensors."""
    (row,) = db.execute(
        "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM sensor WHERE site = 7 AND zone = 7"
    )
    scan = row[0][0]["Plan"]
    assert scan["Actual Rows"] >= 50 * scan["Plan Rows"], scan


@pytest.fixture(scope="module")
def report(db: Any, tmp_path_factory: pytest.TempPathFactory) -> Report:
    timed = [(q, plan_cost(db, q) * MS_PER_COST) for q in [*WELL_ESTIMATED, QUICK]]
    assert timed[-1][1] < CALIBRATION_MIN_MEAN_MS
    timed.append((LOCKED, 3000.0))
    log = write_log(tmp_path_factory.mktemp("time_vs_cost") / "postgresql.log", timed, [MISJUDGED])
    return analyse_log(db, log)


def test_a_misjudged_statement_gets_a_note_naming_what_would_help(report: Report) -> None:
    assert report.calibration is not None
    assert report.calibration.statements == len(WELL_ESTIMATED)
    assert report.calibration.ms_per_cost == pytest.approx(MS_PER_COST, rel=0.5)
    misjudged = result(report, MISJUDGED)
    judged = misjudged.time_vs_cost
    assert judged is not None, misjudged
    assert judged.timed_out and judged.measured_ms == 60_000.0
    assert judged.factor >= FACTOR
    assert "at least 60.0 s a call (timed out)" in judged.note
    assert "the planner misjudges it" in judged.note
    assert "EXPLAIN (ANALYZE, BUFFERS)" in judged.note
    assert "CREATE STATISTICS" in judged.note
    assert "no index repairs a misestimate" in judged.note
    # no statement whose time its cost predicts is flagged, advice or not
    flagged = {s.statement.samples for s in report.statements if s.time_vs_cost is not None}
    assert flagged == {misjudged.statement.samples, result(report, LOCKED).statement.samples}
    assert result(report, MATCHED).reason is None  # the index helps it, as its cost says


def test_a_write_far_above_its_cost_is_not_called_a_misestimate(report: Report) -> None:
    """An UPDATE's time holds what its plan does not (triggers, foreign-key checks, lock
    waits): it is left out of the calibration (see above: six statements, not seven), and its
    note names those, not the planner's estimates."""
    judged = result(report, LOCKED).time_vs_cost
    assert judged is not None and not judged.timed_out
    assert "waits for row locks" in judged.note and "foreign-key" in judged.note
    assert "misjudges" not in judged.note


@pytest.mark.parametrize(
    ("query", "writes"),
    [
        ("SELECT * FROM sensor WHERE id = 1", False),
        ("WITH s AS (SELECT * FROM sensor) SELECT count(*) FROM s", False),
        ("SELECT * FROM sensor WHERE id = 1 FOR UPDATE", True),
        ("WITH d AS (DELETE FROM reading WHERE id = 1 RETURNING sensor_id) SELECT * FROM d", True),
        ("DELETE FROM reading WHERE id = 1", True),
    ],
)
def test_what_writes_or_locks_rows(db: Any, query: str, writes: bool) -> None:
    with psycopg.connect(db.dsn) as conn:
        catalog = read_catalog(conn)
    parsed = analyse(Statement(None, (), query, 1, 1.0, 1.0), catalog)
    assert isinstance(parsed, ParsedStatement)
    assert (parsed.writes, parsed.has_cte) == (writes, query.startswith("WITH"))


def test_advice_on_a_misjudged_statement_is_kept_and_said_uncertain(report: Report) -> None:
    """The index on reading (sensor_id) cuts the misjudged statement's plan cost: it stays
    advised, and both the statement and the index say that its gain is uncertain."""
    misjudged = result(report, MISJUDGED)
    judged = misjudged.time_vs_cost
    assert judged is not None
    assert misjudged.reason is None  # helped by plan cost ...
    assert judged.advice_gain is not None and judged.advice_gain >= 0.10
    assert "how much time that saves is uncertain" in judged.note  # ... not silently
    serving = [
        r for r in report.recommendations if any(e.statement == misjudged.statement
                                                  for e in r.effects)
    ]  # fmt: skip
    assert serving
    for rec in serving:
        assert any("the time this index saves it is uncertain" in n for n in rec.notes), rec.notes


def test_text_markdown_and_json_say_the_same(report: Report) -> None:
    judged = result(report, MISJUDGED).time_vs_cost
    assert judged is not None
    assert_listed(report, "Statements slower than their plan cost predicts", judged.note)
    data = json.loads(analyze_json.render(report))
    by_note = {s["query"]: s for s in data["statements"] if s["planner_misjudged"]}
    assert len(by_note) == 2
    found = next(s for s in by_note.values() if s["time_vs_cost"]["note"] == judged.note)
    found = found["time_vs_cost"]
    assert found["timed_out"] is True and found["gain_uncertain"] is True
    assert found["factor"] >= FACTOR and found["calibrated_on"] == len(WELL_ESTIMATED)
    assert all(s["time_vs_cost"] is None for s in data["statements"] if not s["planner_misjudged"])
    assert data["workload"]["cost_calibration"]["statements"] == len(WELL_ESTIMATED)
    assert "2 statements ran far longer than plan cost predicts" in mcp_summary.analysis(data, [])


def test_too_few_statements_to_calibrate_on_say_nothing(db: Any, tmp_path: Path) -> None:
    few = WELL_ESTIMATED[: MIN_CALIBRATION - 1]
    timed = [(q, plan_cost(db, q) * MS_PER_COST) for q in few]
    report = analyse_log(db, write_log(tmp_path / "postgresql.log", timed, [MISJUDGED]))
    assert report.calibration is None
    assert all(s.time_vs_cost is None for s in report.statements)


def test_a_statement_that_matters_little_is_not_flagged(db: Any, tmp_path: Path) -> None:
    """12x its predicted time, but under a second a call and a sliver of the workload's time:
    a well-estimated statement ran 2,000 times, each as long as its cost predicts."""
    timed = [(q, plan_cost(db, q) * MS_PER_COST) for q in WELL_ESTIMATED]
    bulk = WELL_ESTIMATED[3]
    timed += [(bulk, plan_cost(db, bulk) * MS_PER_COST)] * 2000
    slow = plan_cost(db, MISJUDGED) * MS_PER_COST * 12
    total = sum(ms for _, ms in timed) + slow
    assert slow < 1000.0 and slow / total < 0.01
    log = write_log(tmp_path / "postgresql.log", [*timed, (MISJUDGED, slow)], [])
    report = analyse_log(db, log)
    assert report.calibration is not None
    assert result(report, MISJUDGED).time_vs_cost is None
    assert all(s.time_vs_cost is None for s in report.statements)


def test_the_table_view_gives_the_same_note(report: Report) -> None:
    """``advisor table`` matches the workload's statements to the analysis by text."""
    misjudged = result(report, MISJUDGED)
    others = [s.statement for s in report.statements if s.time_vs_cost is None]
    touching, _ = _verdicts([misjudged.statement, *others], TableRef("public", "sensor"), report)
    assert touching[0].time_vs_cost == misjudged.time_vs_cost
    assert all(t.time_vs_cost is None for t in touching[1:])


RECENT = "SELECT sum(value) FROM reading WHERE taken_at >= '2024-05-01'"  # wants (taken_at)


def test_a_misjudged_statement_weighs_its_predicted_time_in_the_selection(
    db: Any, tmp_path: Path
) -> None:
    """Room for one index: the misjudged join (60 s, a timeout) would draw it to the join
    column if its measured time were its weight; weighed by the time its plan cost predicts,
    the well-estimated statement that ran 20 times as long as its cost says wins it."""
    timed = [(q, plan_cost(db, q) * MS_PER_COST) for q in WELL_ESTIMATED]
    recent = plan_cost(db, RECENT) * MS_PER_COST
    timed += [(RECENT, recent)] * 20
    joined = plan_cost(db, MISJUDGED) * MS_PER_COST
    assert 20 * recent > 3 * joined  # it outweighs the join only by the join's predicted time
    log = write_log(tmp_path / "postgresql.log", timed, [MISJUDGED])
    report = analyse_log(db, log, max_indexes=1)
    (chosen,) = report.recommendations
    assert chosen.spec.table == TableRef("public", "reading")
    assert chosen.spec.key_texts[0] == "taken_at", chosen.spec.describe()
    judged = result(report, MISJUDGED).time_vs_cost
    assert judged is not None and judged.timed_out
    assert "weighs it by its predicted time" in judged.note


def test_planner_weights_do_not_follow_the_calibration(db: Any, tmp_path: Path) -> None:
    """``--weigh-by planner`` weighs every statement by calls x plan cost at a fixed ms per cost
    unit, the same on every machine: the reweighing of misjudged statements, which follows the
    workload's measured calibration, does not apply to it. Here the server ran ten times faster
    than that fixed unit: reweighed, the misjudged join would weigh a tenth of its planner weight
    and lose the one index of room, which by planner weights goes to the join column (the join
    timed out three times; the well-estimated statement that wants ``taken_at`` ran 4 times: by
    planner weights it wins from 7-8 runs, so reweighed from one)."""
    fast = MS_PER_COST / 10
    timed = [(q, plan_cost(db, q) * fast) for q in WELL_ESTIMATED]
    timed += [(RECENT, plan_cost(db, RECENT) * fast)] * 4
    log = write_log(tmp_path / "postgresql.log", timed, [MISJUDGED] * 3)
    report = analyse_log(db, log, max_indexes=1, weigh_by="planner")
    assert report.calibration is not None
    assert report.calibration.ms_per_cost == pytest.approx(fast, rel=0.5)
    assert result(report, MISJUDGED).time_vs_cost is not None
    (chosen,) = report.recommendations
    assert chosen.spec.key_texts[0] == "sensor_id", chosen.spec.describe()


WAITED = [  # writes whose time is lock waits: far above their cost, never calibrated on
    LOCKED,
    "UPDATE sensor SET zone = 1 WHERE id = 9",
    "UPDATE reading SET value = 1 WHERE id = 3",
    "DELETE FROM reading WHERE id = 4",
    "UPDATE sensor SET site = 2 WHERE id = 8",
    "DELETE FROM sensor WHERE id = 20000",
]
GIVEN = "SELECT count(*) FROM reading WHERE value = 999"  # named with --query: no measured time


def test_a_statement_without_a_measured_time_is_weighed_at_the_calibrated_rate(
    db: Any, tmp_path: Path
) -> None:
    """One figure of ms per cost unit: the calibration the report shows is the rate at which a
    statement given without a time (``--query``) is weighed. The plain median over every
    measured statement would be a write's lock wait here: more of them than read-only ones."""
    timed = [(q, plan_cost(db, q) * MS_PER_COST) for q in WELL_ESTIMATED[:5]]
    timed += [(q, 3000.0) for q in WAITED]
    assert len(WAITED) > len(timed) - len(WAITED)  # the writes are the plain median
    log = write_log(tmp_path / "postgresql.log", timed, [])
    report = analyse_log(db, log, given=(GIVEN,))
    assert report.calibration is not None
    assert report.calibration.statements == 5
    assert report.calibration.ms_per_cost == pytest.approx(MS_PER_COST, rel=0.5)
    given = result(report, GIVEN)
    assert given.statement.total_exec_ms == 0 and given.cost_before is not None
    assert given.weight_ms == pytest.approx(
        given.statement.calls * given.cost_before * report.calibration.ms_per_cost
    )
    measured = result(report, WELL_ESTIMATED[0])
    assert measured.weight_ms == pytest.approx(measured.statement.total_exec_ms)
    data = json.loads(analyze_json.render(report))
    (shown,) = [s for s in data["statements"] if s["query"] == given.statement.query]
    assert shown["weight_ms"] == pytest.approx(given.weight_ms, rel=1e-3)
