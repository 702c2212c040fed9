"""The smoke version for the test suite: ``run_smoke()`` returns a summary, raises on failure.

Scale factor 0.01, one budget, one run of the 22 templates x 3 parameter sets and one paired
run of the built set, a short timeout, Q17 and Q20 given explicitly; about 20 s on 2 cores. It
asserts nothing about timings: only that the whole harness runs and the advisor exits 0 with
parsable JSON.
"""

from __future__ import annotations

from typing import Any

from benchmarks.tpch import report
from benchmarks.tpch.bench import DEFAULT_PARAM_SETS, FIXES_SUFFIX, Options, run_benchmark
from benchmarks.tpch.run import (
    SMOKE_BUDGET,
    SMOKE_EXPLICIT,
    SMOKE_SF,
    SMOKE_TIMEOUT_S,
)


class SmokeFailed(AssertionError):
    """The advisor failed or returned unparsable JSON during the smoke benchmark."""


def run_smoke(
    admin_dsn: str | None = None, *, apply_fixes: bool = False, validate: bool = False
) -> dict[str, Any]:
    """Run the smoke benchmark; ``admin_dsn`` reuses a server (e.g. the tests' ``pg_server``)
    instead of starting a throwaway cluster; ``apply_fixes`` as ``--apply-fixes``, ``validate``
    as ``--validate``. Returns the figures a test may look at."""
    notes: list[str] = []
    options = Options(
        scale_factor=SMOKE_SF, budgets=(SMOKE_BUDGET,), runs=1, timeout_s=SMOKE_TIMEOUT_S,
        param_sets=DEFAULT_PARAM_SETS, explicit=SMOKE_EXPLICIT, explicit_via="--queries",
        admin_dsn=admin_dsn,
        advisor_timeout_s=50.0,
        command="benchmarks.tpch.smoke.run_smoke()", paired=1, apply_fixes=apply_fixes,
        validate=validate,
    )  # fmt: skip
    results = run_benchmark(options, notes.append)
    if results.failed:
        run = results.failed[0]
        raise SmokeFailed(f"advisor failed at budget {run.budget} (exit {run.exit_code}): "
                          f"{run.error[-500:]}")  # fmt: skip
    budget = results.budgets[0]
    assert budget.ratios is not None and budget.run.report is not None
    return {
        "rows": dict(results.loaded.rows),
        "recorded": list(results.recorded),
        # every instance (template, parameter set) timed, and which finished before / after
        "finished_before": sorted(k for k, t in results.baseline.items() if not t.timed_out),
        "finished_after": [
            sorted(k for k, t in m.after.items() if not t.timed_out) for m in results.measured
        ],
        "explicit_via": results.explicit_via,
        # each instance timed without and with the set, back to back (one pair each)
        "paired": [
            sorted(k for k, p in (m.pairs or {}).items() if len(p.with_set) == 1)
            for m in results.measured
        ],
        "indexes": len(budget.run.recommendations),
        "estimated_bytes": budget.run.estimated_bytes,
        "real_bytes": [m.real_bytes for m in results.measured],
        # --validate: per built set, the indexes apply kept and those it took back
        "kept_and_reverted": [(len(m.indexes), len(m.reverted)) for m in results.measured],
        "cost_ratio_all": budget.ratios.all_queries,
        "cost_ratio_recorded": budget.ratios.recorded,
        "geomean": budget.ratios.geomean,
        "explain_calls": budget.run.explain_calls,
        "advisor_seconds": budget.run.wall_seconds,
        "statements": len(budget.run.report.get("statements", [])),
        "same_advice_again": results.reanalysis.same_advice if results.reanalysis else None,
        # the second run is another process under another PYTHONHASHSEED: the same plans
        "explain_calls_again": results.reanalysis.second.explain_calls
        if results.reanalysis
        else None,
        "entries_added": (
            results.reanalysis.after_second.entries - results.reanalysis.before.entries
            if results.reanalysis
            else None
        ),
        # --apply-fixes: the fix_sql applied, and the budgets analysed after them
        "fixes": list(results.fixes),
        "fixed_budgets": [b.budget for b in results.budgets if b.budget.endswith(FIXES_SUFFIX)],
        "markdown": report.render(results),
        "log": notes,
    }
