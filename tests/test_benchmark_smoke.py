"""The benchmark harnesses stay alive at tiny sizes (TPC-H at scale factor 0.01, the MCP calls);
no timings asserted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.star import report as star_report
from benchmarks.star.bench import Options, run_benchmark
from benchmarks.star.smoke import run_smoke as star_smoke
from benchmarks.tpch.smoke import run_smoke


def test_tpch_smoke(pg_server: Any) -> None:
    result = run_smoke(pg_server.admin_dsn, apply_fixes=True, validate=True)
    # 22 templates x 3 parameter sets, every instance ran to the end before and after the build
    # (a failing instance raises; set 1 is queries.sql, sets 2 and 3 the drawn parameters)
    instances = [(n, s) for s in (1, 2, 3) for n in range(1, 23)]
    assert result["finished_before"] == sorted(instances)
    built = 2 if result["fixes"] else 1  # with a fix applied: the set of 1GB+fixes too
    assert result["finished_after"] == [sorted(instances)] * built
    assert result["paired"] == [sorted(instances)] * built
    assert "Paired, on the same build:" in result["markdown"]
    # the runtime target rests on the pairs, which the drift between passes does not reach
    (runtime,) = [r for r in result["markdown"].splitlines() if r.startswith("| real runtime")]
    assert ", paired)" in runtime
    assert "22 templates x 3 parameter set(s) = 66 instances" in result["markdown"]
    assert result["indexes"] > 0
    # --validate: every index of the first set was either kept or taken back by apply (which
    # one rests on this machine's timer, so it is not asserted); the report says how it was built
    kept, reverted = result["kept_and_reverted"][0]
    assert kept + reverted == result["indexes"]
    assert (
        "`--validate`: the advisor's sets were built with `advisor apply --validate`"
        in (result["markdown"])
    )
    assert result["explain_calls"] is not None
    # analysed twice in a row: the same advice, and nothing of the advisor's in between
    assert result["same_advice_again"] is True
    assert result["entries_added"] == 0
    # under another PYTHONHASHSEED: the same EXPLAIN calls (TPC-H's many candidate ties once
    # showed a set's order in them, 3785 or 3908)
    assert result["explain_calls_again"] == result["explain_calls"]
    # --apply-fixes: at this scale ANALYZE may count l_orderkey well enough that the advisor
    # reports no fix; either way the harness says what it did and the rows follow
    if result["fixes"]:
        assert result["fixed_budgets"] == ["1GB+fixes"]
        assert "Rows marked `+fixes`" in result["markdown"]
        assert all(f"{fix.rstrip(';')};" in result["markdown"] for fix in result["fixes"])
    else:
        assert result["fixed_budgets"] == []
        assert any("reported no fix" in note for note in result["log"])
        assert "`--apply-fixes`: the advisor reported no fix" in result["markdown"]


def test_mcp_benchmark_harness_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The MCP harness (its own tiny cluster, one call of the twenty statements)."""
    from benchmarks.mcp import run as mcp_bench

    assert mcp_bench.main(["--orders", "2000", "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert "| statements analysed | 20 of 20 |" in out and "EXPLAIN calls" in out


def test_star_smoke(pg_server: Any) -> None:
    result = star_smoke(pg_server.admin_dsn)
    assert result["analysed"] == [1, 3, 4, 5, 12, 36]
    assert any("cast to integer" in " ".join(r) for r in result["repaired"].values())
    assert result["indexes"] > 0 and result["extend_indexes"] > 0
    assert "Extend 1GB" in result["markdown"]


GIVEN_SCHEMA = """
CREATE TABLE sale (id bigint PRIMARY KEY, shop int NOT NULL, day date NOT NULL,
                   amount numeric(10, 2) NOT NULL);
INSERT INTO sale SELECT g, g % 400, date '2020-01-01' + g % 1500, g % 997
  FROM generate_series(1, 60000) g;
"""
GIVEN_QUERIES = """
-- Q1: one shop
SELECT sum(amount) FROM sale WHERE shop = 17;

-- Q2: the same, another shop (one normal form with Q1)
SELECT sum(amount) FROM sale WHERE shop = 230;

-- Q3: one day
SELECT count(*) FROM sale WHERE day = date '2021-03-04';

-- Q4: a CTE over a range of days
WITH recent AS (SELECT shop, amount FROM sale WHERE day > date '2023-12-01')
SELECT shop, sum(amount) FROM recent GROUP BY shop ORDER BY 2 DESC LIMIT 5;

-- Q5: everything
SELECT avg(amount) FROM sale;
"""


def test_star_harness_measures_a_given_database_and_workload(make_db: Any, tmp_path: Path) -> None:
    """``--database`` and ``--queries``: any loaded database and workload go through the same
    steps; statements that differ only in their constants share one normal form, and both are
    counted as analysed."""
    db = make_db(GIVEN_SCHEMA)
    queries_file = tmp_path / "given.sql"
    queries_file.write_text(GIVEN_QUERIES, encoding="utf-8")
    options = Options(
        budgets=("unbounded",), extend=(), literal=False, runs=1, timeout_s=10.0, build=(),
        work_dir=tmp_path / "work", advisor_timeout_s=300.0, command="test",
        queries_file=queries_file, database_dsn=db.dsn,
    )  # fmt: skip
    results = run_benchmark(options, lambda _line: None)
    assert not results.failed
    assert [q.number for q in results.queries] == [1, 2, 3, 4, 5]
    assert results.loaded.rows.get("sale") == 60000
    found = results.coverage["unbounded"]
    assert {1, 2} <= set(found.analysed)
    markdown = star_report.render(results)
    assert "Workload `given.sql` on a given database" in markdown
    assert "60,000 in sale" in markdown
