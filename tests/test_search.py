"""The search's shortcuts leave the advice unchanged; limits stop it and say what they left out.

The shortcuts (moves in a heap by bound, gains cached until a statement on the move's tables is
re-priced, no plan for statements whose plan does not read an index being dropped) are compared
with the same search run the plain way (``search_shortcuts=False``: a sorted list of every move
each round, every gain planned afresh, every statement on the table re-planned), on fixed
workloads and on random ones (hypothesis), with and without the lazy bounds.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.model import Report
from advisor.render import json as render_json
from advisor.render import text as render_text
from advisor.sources.workload import SourceOptions
from tests.scenarios import SHOP_SCHEMA

SCHEMA = """
CREATE TABLE facts (
    id bigint PRIMARY KEY,
    a int NOT NULL,        -- 50 values
    b int NOT NULL,        -- 1,000 values
    c int NOT NULL,        -- 8 values
    d timestamptz NOT NULL,
    e text NOT NULL,       -- 300 values
    dim_id int NOT NULL
);
INSERT INTO facts
SELECT g, g % 50, (hashint4(g) & 2147483647) % 1000, g % 8,
       timestamptz '2024-01-01' + g * interval '1 minute', 'n' || (g % 300), 1 + g % 5000
  FROM generate_series(1, 60000) g;
CREATE TABLE dims (
    id int PRIMARY KEY,
    f int NOT NULL,        -- 100 values
    g text NOT NULL        -- 20 values
);
INSERT INTO dims SELECT g, g % 100, 'g' || (g % 20) FROM generate_series(1, 5000) g;
"""

FILTERS = (
    "x.a = {n50}",
    "x.b = {n1000}",
    "x.c = {n8}",
    "x.b BETWEEN {n1000} AND {n1000} + 20",
    "x.d >= timestamptz '2024-01-10' + {n50} * interval '1 hour'",
    "x.e = 'n{n300}'",
    "x.a = {n50} AND x.c = {n8}",
)
JOIN_FILTERS = ("y.f = {n100}", "y.g = 'g{n20}'")
ORDERS = ("", " ORDER BY x.d DESC LIMIT 10", " ORDER BY x.b LIMIT 5")


@st.composite
def statements(draw: st.DrawFn) -> str:
    values = {
        name: draw(st.integers(0, top - 1))
        for name, top in (("n8", 8), ("n20", 20), ("n50", 50), ("n100", 100), ("n300", 300),
                          ("n1000", 1000))
    }  # fmt: skip
    where = draw(st.sampled_from(FILTERS)).format(**values)
    if draw(st.booleans()):
        join = draw(st.sampled_from(JOIN_FILTERS)).format(**values)
        return (
            f"SELECT x.id, y.g FROM facts x JOIN dims y ON y.id = x.dim_id WHERE {where} AND {join}"
        )
    return f"SELECT x.id, x.e FROM facts x WHERE {where}{draw(st.sampled_from(ORDERS))}"


BUDGETS = (
    {},
    {"max_indexes": 1},
    {"max_indexes": 2},
    {"max_size_bytes": 1_500_000},
    {"max_size_bytes": 4_000_000},
)


def advice(report: Report) -> tuple[list[str], list[tuple[str, float | None]]]:
    """What must not change: the indexes and every statement's cost after. (Not the order in
    which the rounds picked them: a join's index can gain once the other side has one, so a
    stale bound may defer a pick by a round.)"""
    costs = sorted(
        (s.statement.query, None if s.cost_after is None else round(s.cost_after, 2))
        for s in report.statements
    )
    return sorted(r.spec.describe() for r in report.recommendations), costs


@pytest.fixture(scope="module")
def facts(make_db: Any) -> Any:
    return make_db(SCHEMA)


@settings(
    max_examples=int(os.environ.get("ADVISOR_SEARCH_EXAMPLES", "8")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    workload=st.lists(statements(), min_size=2, max_size=6),
    budget=st.sampled_from(BUDGETS),
    exhaustive=st.booleans(),
)
def test_shortcuts_do_not_change_random_advice(
    facts: Any, workload: list[str], budget: dict[str, Any], exhaustive: bool
) -> None:
    sources = SourceOptions(queries=tuple(workload))
    common = {"review": False, "write_weight": 0.0, "exhaustive_search": exhaustive, **budget}
    fast = facts.analyze(sources, **common)
    plain = facts.analyze(sources, search_shortcuts=False, **common)
    assert advice(fast) == advice(plain)
    assert fast.explain_calls <= plain.explain_calls


def test_shortcuts_do_not_change_the_shop_advice(make_db: Any) -> None:
    from tests.test_analyze import NORMALIZATION_ARTIFACTS, WORKLOAD

    db = make_db(SHOP_SCHEMA)
    for statement, params in WORKLOAD:
        db.run(statement, params)
    for statement in NORMALIZATION_ARTIFACTS:
        db.run(statement, [()], repeat=2)
    for budget in ({}, {"max_size_bytes": 3_000_000}, {"max_indexes": 2}):
        for exhaustive in (False, True):
            common = {"review": False, "exhaustive_search": exhaustive, **budget}
            fast = db.analyze(**common)
            plain = db.analyze(search_shortcuts=False, **common)
            assert fast.recommendations, budget
            assert advice(fast) == advice(plain), budget
            assert fast.explain_calls <= plain.explain_calls, budget
            assert plain.plans_derived == 0


WORKLOAD = (
    "SELECT id FROM facts WHERE a = 3",
    "SELECT id FROM facts WHERE b = 17 AND c = 2",
    "SELECT id, e FROM facts WHERE e = 'n7' ORDER BY d DESC LIMIT 10",
    "SELECT x.id FROM facts x JOIN dims y ON y.id = x.dim_id WHERE y.f = 4 AND x.c = 1",
)
ALONE = SourceOptions(queries=WORKLOAD)  # the statements alone, as --query gives them


def test_max_explains_returns_the_best_set_so_far_and_says_what_it_left_out(facts: Any) -> None:
    full = facts.analyze(ALONE, review=False)
    assert full.unevaluated.limit is None and full.limit_note == ""
    assert full.explain_calls > 12
    cut = facts.analyze(ALONE, review=False, max_explains=12)
    assert cut.unevaluated.limit == "max_explains"
    assert "--max-explains 12 reached" in cut.limit_note
    doc = json.loads(render_json.render(cut))
    assert doc["workload"]["limit_reached"] == "max_explains"
    left = doc["workload"]["unevaluated"]
    assert left["note"] == cut.limit_note
    assert (
        left["not_planned"] + left["not_priced"] + left["moves_left"] > 0 or left["steps_skipped"]
    )
    assert "Search stopped early: --max-explains 12 reached" in render_text.render(cut)
    # the final accounting of the chosen set may go a little past the limit, the search not
    assert cut.explain_calls < full.explain_calls


def test_max_explains_below_the_workload_leaves_statements_unplanned(facts: Any) -> None:
    cut = facts.analyze(ALONE, review=False, max_explains=2)
    assert cut.unevaluated.not_planned == len(WORKLOAD) - 2
    reasons = [s.reason for s in cut.skipped]
    assert reasons.count("not planned: --max-explains was reached first") == len(WORKLOAD) - 2
    assert cut.recommendations == ()


def test_time_limit_stops_the_search(facts: Any) -> None:
    cut = facts.analyze(ALONE, review=False, time_limit_s=0.0)
    assert cut.unevaluated.limit == "time_limit"
    assert cut.unevaluated.not_planned == len(WORKLOAD)
    assert "--time-limit 0s reached" in cut.limit_note
    doc = json.loads(render_json.render(cut))
    assert doc["workload"]["limit_reached"] == "time_limit"
