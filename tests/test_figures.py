"""Numbers a DBA can trust (issue 15), on a real server.

- the statistics window is stated, and nothing is extrapolated to a week below a day of it;
- a statement's saving is split among the indexes that serve it, never counted twice;
- an index the final plans ignore leaves the recommended set;
- ``analyze``, ``table``, ``report`` and ``lint`` give one verdict on the existing indexes;
- the report renders a period in which ``advisor apply`` built an index, measured;
- a store spanning more than a day gives per-week figures.

Timing inputs are pinned: assertions compare figures with each other (a share with the
statement's time, a week with the window), never with the speed of the machine.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from advisor.apply import run as apply_run
from advisor.apply import source as apply_source
from advisor.apply.model import ApplyOptions
from advisor.apply.record import JsonLinesRecorder, read_log
from advisor.history.snapshots import take_snapshot
from advisor.history.store import open_store
from advisor.lint.config import LintConfig
from advisor.lint.live import lint
from advisor.model import (
    IndexKey,
    IndexSpec,
    Recommendation,
    Report,
    Statement,
    StatementEffect,
    TableRef,
)
from advisor.pipeline import analyze
from advisor.plan_file import save_plan
from advisor.render import json as analyze_json
from advisor.render import text as analyze_text
from advisor.report import html, markdown
from advisor.report import json as report_json
from advisor.report.run import run_report
from advisor.selection.base import Selection, WorkloadItem
from advisor.selection.proof import UNREAD, prove
from advisor.settings import RunOptions, Settings
from advisor.sources.workload import SourceOptions
from advisor.table_view.build import inspect_table
from advisor.window import WEEK_SECONDS
from tests.whatif_session import whatif_session

NO_REVIEW = RunOptions(review=False)

SCHEMA = """
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    country text NOT NULL,
    segment int NOT NULL,
    note text
);
INSERT INTO customers
SELECT g, 'c' || (g % 500), g % 97, 'n' || g FROM generate_series(1, 50000) g;
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    total int NOT NULL
);
INSERT INTO orders
SELECT g, 1 + g % 50000, (ARRAY['new', 'paid', 'sent'])[1 + g % 3], g % 1000
  FROM generate_series(1, 200000) g;
"""
# served by two indexes: customers (country) finds the customers, orders (customer_id) their rows
JOIN = (
    "SELECT o.id, o.total FROM customers c JOIN orders o ON o.customer_id = c.id "
    "WHERE c.country = %s"
)
BY_TOTAL = "SELECT id FROM orders WHERE total = %s"


def run(db: Any, statement: str, params: list[tuple[Any, ...]]) -> None:
    db.run(statement, params)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        if conn.info.server_version >= 150000:
            conn.execute("SELECT pg_stat_force_next_flush()")


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    run(database, JOIN, [(f"c{i * 7 % 500}",) for i in range(30)])
    run(database, BY_TOTAL, [(i * 13 % 1000,) for i in range(30)])
    return database


@pytest.fixture(scope="module")
def report(db: Any) -> Report:
    return analyze(db.dsn, Settings(min_improvement=0.10), SourceOptions(), run=NO_REVIEW)


def statement_time(report: Report, fragment: str) -> float:
    return sum(
        s.statement.total_exec_ms for s in report.statements if fragment in s.statement.query
    )


# --- short window --------------------------------------------------------------------------------


def test_short_window_states_the_window_and_extrapolates_nothing(report: Report) -> None:
    window = report.window
    assert window is not None and window.seconds is not None
    assert 0 < window.seconds < 86400 and window.start is not None
    assert report.recommendations and all(r.verified for r in report.recommendations)
    assert all(r.time_saved_ms_per_week is None for r in report.recommendations)
    saved = [r.time_saved_ms for r in report.recommendations]
    assert all(s is not None and s > 0 for s in saved)
    total = sum(s.statement.total_exec_ms for s in report.statements)
    assert sum(s for s in saved if s is not None) <= total
    doc = json.loads(analyze_json.render(report))
    assert doc["workload"]["window_seconds"] == pytest.approx(window.seconds, abs=0.01)
    assert doc["workload"]["window_start"] == window.start.isoformat()
    assert all(r["time_saved_ms_per_week"] is None for r in doc["recommendations"])
    assert all("time_saved_ms" in r for r in doc["recommendations"])
    text = " ".join(analyze_text.render(report).split())  # the text wraps to the width
    assert "of pg_stat_statements statistics" in text and "saved " in text
    assert "advisor snapshot" in text  # how to get a weekly figure


def test_given_queries_without_timings_say_n_a(db: Any) -> None:
    given = SourceOptions(queries=(JOIN.replace("%s", "'c7'"),))
    result = analyze(db.dsn, Settings(), given, run=NO_REVIEW)
    assert result.window is not None and result.window.seconds is None
    assert result.recommendations
    assert all(r.time_saved_ms is None for r in result.recommendations)
    assert "n/a" in analyze_text.render(result)
    doc = json.loads(analyze_json.render(result))
    assert doc["workload"]["window_seconds"] is None
    assert all(r["time_saved_ms"] is None for r in doc["recommendations"])


def test_no_workload_says_how_to_get_one(make_db: Any) -> None:
    empty = make_db("CREATE TABLE t (id int PRIMARY KEY)")
    result = analyze(empty.dsn, Settings(), SourceOptions(), run=NO_REVIEW)
    assert result.recommendations == () and result.statements == ()
    text = analyze_text.render(result)
    assert "No workload in the window (since " in text
    assert "--log" in text and "--sample-activity" in text


def test_a_binding_budget_is_named(db: Any) -> None:
    result = analyze(db.dsn, Settings(max_indexes=1), SourceOptions(), run=NO_REVIEW)
    assert len(result.recommendations) == 1
    assert result.budget_note is not None and "left out by --max-indexes 1" in result.budget_note
    assert result.budget_note in analyze_text.render(result)


# --- split saving --------------------------------------------------------------------------------


def test_a_join_served_by_two_indexes_splits_its_saving(report: Report) -> None:
    serving = [
        r for r in report.recommendations if any("JOIN" in e.statement.query for e in r.effects)
    ]
    tables = {r.spec.table.name for r in serving}
    assert tables == {"customers", "orders"}, [r.spec.describe() for r in serving]
    parts = [e for r in serving for e in r.effects if "JOIN" in e.statement.query]
    assert all(p.time_saved_ms is not None for p in parts)
    effect = parts[0]
    statement_ms = effect.statement.total_exec_ms
    assert effect.cost_after is not None
    whole = statement_ms * (1 - effect.cost_after / effect.cost_before)
    shares = [p.time_saved_ms or 0.0 for p in parts]
    assert sum(shares) == pytest.approx(whole, rel=1e-6)  # split, never repeated
    assert max(shares) < whole  # neither index gets the statement's whole saving
    assert sum(shares) <= statement_time(report, "JOIN")
    for rec in report.recommendations:  # each index's figure is the sum of its parts
        assert rec.time_saved_ms == pytest.approx(sum(e.time_saved_ms or 0.0 for e in rec.effects))


# --- proof against the final set -----------------------------------------------------------------


def test_a_bundle_member_the_final_plan_ignores_is_left_out(db: Any) -> None:
    with whatif_session(db.dsn) as found:
        whatif = found.whatif
        query = "SELECT id FROM customers WHERE country = $1 AND segment = $2"
        parsed = found.parse(query, 10, 50.0, 5.0)
        base = whatif.cost(parsed, ()).total_cost
        item = WorkloadItem(parsed, base, 50.0)
        customers = TableRef("public", "customers")
        narrow = IndexSpec(customers, (IndexKey("country"),))
        wide = IndexSpec(customers, (IndexKey("country"), IndexKey("segment")))
        # a bundle claims the statement for both; with both in place the plan reads one
        claimed = Selection(
            chosen=(narrow, wide),
            costs={item.key: whatif.cost(parsed, (narrow, wide)).total_cost},
            used_by={narrow: (item.key,), wide: (item.key,)},
            rejected={},
        )
        read = whatif.used_specs(parsed, (narrow, wide))
        assert len(read) == 1
        proven = prove(claimed, [item], whatif)
    (kept,) = proven.chosen
    assert {kept} == read
    ignored = narrow if kept == wide else wide
    assert proven.left_out == {ignored: UNREAD}
    assert proven.used_by == {kept: (item.key,)}


def test_every_recommendation_is_read_by_a_final_plan(report: Report) -> None:
    assert report.left_out == () or all(why == UNREAD for _, why in report.left_out)
    for rec in report.recommendations:
        assert rec.effects, rec.spec.describe()


def test_markdown_keeps_the_list_markers_of_notes_and_left_out_indexes(report: Report) -> None:
    """In Markdown a paragraph is one line, but its list marker stays: the notes under a
    recommendation are nested bullets, and each index left out of the set is a bullet."""
    assert report.recommendations
    shown = replace(report, left_out=(("public.t (a)", UNREAD),))
    lines = analyze_text.render(shown, markdown=True, verbose=True).splitlines()
    assert f"- public.t (a): {UNREAD}" in lines
    for rec in report.recommendations:
        for note in rec.notes:
            assert "   * " + " ".join(note.split()) in lines
    saved = [line for line in lines if line.startswith("   * ")]
    assert len(saved) >= len(report.recommendations)  # each has its saving, at least


# --- one verdict ---------------------------------------------------------------------------------


VERDICT_SCHEMA = """
CREATE TABLE parents (id bigint PRIMARY KEY);
INSERT INTO parents SELECT g FROM generate_series(1, 2000) g;
CREATE TABLE kids (
    id bigint PRIMARY KEY,
    parent_id bigint NOT NULL REFERENCES parents (id),
    x int NOT NULL,
    code text NOT NULL UNIQUE,
    y int NOT NULL
);
INSERT INTO kids SELECT g, 1 + g % 2000, g % 300, 'k' || g, g % 70 FROM generate_series(1, 20000) g;
CREATE INDEX kids_parent_idx ON kids (parent_id);  -- the only index of the foreign key
CREATE INDEX kids_x_idx ON kids (x);
"""


def droppable_in_analyze(report: Report) -> set[str]:
    return {f.index for f in report.findings if f.index and f.drop_sql}


def test_one_verdict_from_analyze_table_and_report(make_db: Any, tmp_path: Path) -> None:
    db = make_db(VERDICT_SCHEMA)
    db.run("SELECT id FROM kids WHERE code = %s", [("k5",), ("k9",)])
    db.execute("CREATE INDEX kids_fresh_idx ON kids (y)")  # built just now
    store = str(tmp_path / "h.sqlite3")
    # statistics minutes old, the default minimum age (7 days): nothing is unused anywhere
    fresh = analyze(db.dsn, Settings(), SourceOptions())
    assert not [f for f in fresh.findings if f.kind == "unused"]
    view = inspect_table(db.dsn, "kids")
    assert not [f for i in view.indexes for f in i.findings if f.startswith("unused")]
    with open_store(store) as target:
        weekly = run_report(db.dsn, target, advice=None, applies_log=tmp_path / "none.jsonl")
    assert not [u for u in weekly.unused_indexes if u.kind == "unused"]
    # statistics older than the minimum age (0 here): unused, unless an FK or constraint needs it
    old = analyze(db.dsn, Settings(), SourceOptions(), run=RunOptions(min_stats_age_s=0))
    drops = droppable_in_analyze(old)
    assert "kids_x_idx" in drops and "kids_fresh_idx" in drops
    assert not drops & {"kids_parent_idx", "kids_pkey", "kids_code_key"}
    fk_only = next(f for f in old.findings if f.index == "kids_parent_idx")
    assert fk_only.drop_sql is None and "foreign key" in fk_only.detail
    view = inspect_table(db.dsn, "kids", min_stats_age_s=0)
    by_name = {i.index.name: i.findings for i in view.indexes}
    table_drops = {
        n for n, f in by_name.items() if f and f[0].startswith("unused") and "keep it" not in f[0]
    }
    assert table_drops == drops
    assert any("keep it" in f for f in by_name["kids_parent_idx"])
    assert by_name["kids_pkey"] == () and by_name["kids_code_key"] == ()
    with open_store(store) as target:
        weekly = run_report(db.dsn, target, advice=None, min_stats_age_s=0,
                            applies_log=tmp_path / "none.jsonl")  # fmt: skip
        advised = run_report(db.dsn, target, advice=Settings(), min_stats_age_s=0, snapshot=False,
                             applies_log=tmp_path / "none.jsonl")  # fmt: skip
    assert {u.name for u in weekly.unused_indexes} == drops
    assert {u.name for u in advised.unused_indexes} == drops
    linted = lint(db.dsn, LintConfig(min_stats_age_s=0))
    assert {f.object for f in linted.findings if f.rule == "index-review" and f.fix_sql} == drops
    young = lint(db.dsn, LintConfig())
    assert not [f for f in young.findings if f.rule == "index-review" and "unused" in f.detail]
    text = markdown.render(advised)
    count = len(advised.unused_indexes)
    assert f"{count} index{'es' if count != 1 else ''} (" in text and "may be dropped" in text


# --- applied index, long window ------------------------------------------------------------------


def test_report_measures_an_index_advisor_apply_built(make_db: Any, tmp_path: Path) -> None:
    db = make_db(SCHEMA)
    store, log = str(tmp_path / "h.sqlite3"), tmp_path / "applies.jsonl"
    now = time.time()
    params = [(i * 13 % 1000,) for i in range(40)]
    with open_store(store) as target:
        take_snapshot(db.dsn, target, taken_at=now - 3 * 86400)
        run(db, BY_TOTAL, params)
        take_snapshot(db.dsn, target, taken_at=now - 2 * 86400)  # just before the apply
        advice = analyze(db.dsn, Settings(), SourceOptions(), run=NO_REVIEW)
        rec = next(r for r in advice.recommendations if r.spec.key_texts == ("total",))
        plan = tmp_path / "plan.json"
        save_plan(plan, replace(advice, recommendations=(rec,)))
        result = apply_run.apply(db.dsn, apply_source.load(plan), ApplyOptions(),
                                 recorders=[JsonLinesRecorder(log)])  # fmt: skip
        assert [str(r.outcome) for r in result.results] == ["created"]
        db.execute("ANALYZE orders")
        take_snapshot(db.dsn, target)  # the first snapshot that holds it
        run(db, BY_TOTAL, params)
        final = run_report(db.dsn, target, advice=Settings(), run=NO_REVIEW, applies_log=log,
                           taken_at=time.time() + 60)  # fmt: skip
    applied = next(a for a in final.applied if a.name == rec.name)
    assert applied.origin is not None and "advisor apply" in applied.origin
    scans = db.execute(
        "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = %s", (rec.name,)
    )[0][0]
    assert applied.scans >= 40 and abs(applied.scans - scans) <= 2  # the analysis may plan more
    (effect,) = applied.effects
    assert effect.calls_before == 40 and effect.calls_after == 40
    assert effect.mean_after_ms < effect.mean_before_ms
    growth = next((g for g in final.growth if g.name == "orders"), None)
    if growth is not None:  # the new index is named as such, not as table growth
        assert rec.name in growth.new_indexes and growth.index_growth > 0
    texts = {
        "markdown": markdown.render(final),
        "html": html.render(final),
        "json": report_json.render(final),
    }
    assert rec.name in texts["markdown"] and "built by advisor apply" in texts["markdown"]
    assert rec.name in texts["html"] and "not from a recommendation" not in texts["html"]
    doc = json.loads(texts["json"])
    assert doc["applied"][0]["origin"].startswith("built by advisor apply")
    assert read_log(log)[0]["indexes"][0]["name"] == rec.name


def test_markdown_renders_a_recommendation_without_a_planned_cost(
    make_db: Any, tmp_path: Path
) -> None:
    db = make_db(SCHEMA)
    with open_store(str(tmp_path / "h.sqlite3")) as target:
        built = run_report(db.dsn, target, advice=None, applies_log=tmp_path / "none.jsonl")
    statement = Statement(1, (1,), "SELECT id FROM orders WHERE status LIKE $1", 3, 0.0, 0.0)
    unproven = Recommendation(
        spec=IndexSpec(TableRef("public", "orders"), (IndexKey("status", opclass="gin_trgm_ops"),),
                       method="gin"),
        name="orders_status_trgm_idx", create_sql="CREATE INDEX ...", drop_sql="DROP INDEX ...",
        estimated_size_bytes=8192, effects=(StatementEffect(statement, 1200.0, None),),
        time_saved_ms=None, time_saved_ms_per_week=None, verified=False,
    )  # fmt: skip
    report = replace(built, recommendations=(unproven,))
    text = markdown.render(report)
    assert "planner cost 1200 → n/a" in text and "n/a (not planner-proven)" in text
    assert "n/a" in html.render(report)


def test_a_store_spanning_more_than_a_day_gives_per_week_figures(
    make_db: Any, tmp_path: Path
) -> None:
    db = make_db(SCHEMA)
    now = time.time()
    with open_store(str(tmp_path / "h.sqlite3")) as target:
        take_snapshot(db.dsn, target, taken_at=now - 2 * 86400)
        run(db, JOIN, [(f"c{i * 7 % 500}",) for i in range(20)])
        final = run_report(db.dsn, target, advice=Settings(), run=NO_REVIEW, taken_at=now,
                           applies_log=tmp_path / "none.jsonl")  # fmt: skip
    assert final.window is not None and final.window.seconds == pytest.approx(2 * 86400)
    assert final.recommendations
    for rec in final.recommendations:
        assert rec.time_saved_ms is not None and rec.time_saved_ms_per_week is not None
        assert rec.time_saved_ms_per_week == pytest.approx(rec.time_saved_ms * 3.5)
    doc = json.loads(report_json.render(final))
    assert doc["workload"]["window_seconds"] == pytest.approx(2 * 86400)
    assert all(r["time_saved_ms_per_week"] is not None for r in doc["recommendations"])
    assert "a week" in markdown.render(final)


def test_a_long_pg_stat_statements_window_gives_per_week_figures(db: Any) -> None:
    """The clock is pinned two days after the statistics began (``now_epoch``)."""
    probe = analyze(db.dsn, Settings(), SourceOptions(), run=NO_REVIEW)
    assert probe.window is not None and probe.window.start is not None
    later = probe.window.start.timestamp() + 2 * 86400
    run = RunOptions(review=False, now_epoch=later)
    result = analyze(db.dsn, Settings(), SourceOptions(), run=run)
    assert result.window is not None
    assert result.window.seconds == pytest.approx(2 * 86400, abs=1)
    for rec in result.recommendations:
        assert rec.time_saved_ms is not None and rec.time_saved_ms_per_week is not None
        assert rec.time_saved_ms_per_week == pytest.approx(
            rec.time_saved_ms * WEEK_SECONDS / (2 * 86400), rel=1e-3
        )
