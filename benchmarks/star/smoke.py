"""The smoke version for the test suite: ``run_smoke()`` runs the whole harness on six statements
at scale 0.01 and returns a summary; it raises when the advisor fails or leaves a statement that
plans with its constants unplanned from its normal form. No timing is asserted."""

from __future__ import annotations

from typing import Any

from benchmarks.star import report
from benchmarks.star.bench import Options, run_benchmark
from benchmarks.star.run import SMOKE_SCALE, SMOKE_STATEMENTS


class SmokeFailed(AssertionError):
    """The advisor failed, or a statement did not plan from its normal form."""


def run_smoke(admin_dsn: str | None = None) -> dict[str, Any]:
    notes: list[str] = []
    options = Options(
        scale=SMOKE_SCALE, budgets=("unbounded",), extend=("1GB",), literal=False, runs=1,
        timeout_s=10.0, build=(), admin_dsn=admin_dsn, advisor_timeout_s=300.0,
        command="benchmarks.star.smoke.run_smoke()", statements=SMOKE_STATEMENTS,
    )  # fmt: skip
    results = run_benchmark(options, notes.append)
    if results.failed:
        run = results.failed[0]
        raise SmokeFailed(f"advisor failed ({run.budget}, exit {run.exit_code}): "
                          f"{run.error[-500:]}")  # fmt: skip
    found = results.coverage["unbounded"]
    missing = [n for n in results.literal_plans if n not in found.analysed]
    if missing:
        raise SmokeFailed(f"not planned from their normal form: {missing}; {found.skipped}")
    ours, extend = results.runs[0], results.runs[-1]
    assert ours.ratios is not None and extend.ratios is not None
    return {
        "statements": len(results.queries),
        "analysed": list(found.analysed),
        "repaired": dict(found.repaired),
        "indexes": len(ours.run.recommendations),
        "ratio": ours.ratios.all_queries,
        "extend_indexes": len(extend.run.recommendations),
        "extend_ratio": extend.ratios.all_queries,
        "markdown": report.render(results),
        "log": notes,
    }
