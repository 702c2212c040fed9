"""The TPC-H benchmark stays alive: scale factor 0.01, one budget, no timings asserted."""

from __future__ import annotations

from typing import Any

from benchmarks.tpch.smoke import run_smoke


def test_tpch_smoke(pg_server: Any) -> None:
    result = run_smoke(pg_server.admin_dsn)
    assert result["indexes"] > 0
    assert result["explain_calls"] is not None
    # analysed twice in a row: the same advice, and nothing of the advisor's in between
    assert result["same_advice_again"] is True
    assert result["entries_added"] == 0
