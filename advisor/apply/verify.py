"""After the build: plan the statements each index was meant for again, and see if it is used.

The same generic plans as the analysis (``advisor.whatif.explain.Explainer``), on a read-only
session, now with the real index in the catalog. A statement that was planned with the index
as a hypothetical one but ignores the real one is worth a look (often: statistics that need an
``ANALYZE`` for an expression index, or a cheaper plan after all).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from advisor.apply.model import StatementCheck
from advisor.collect.catalog import Catalog, read_catalog
from advisor.db import session
from advisor.errors import AdvisorError
from advisor.model import Skipped, Statement
from advisor.parse.statement import analyse
from advisor.plan_file import PlannedIndex, PlannedStatement
from advisor.whatif import readings
from advisor.whatif.explain import Explainer, PlanError


def _check(
    explainer: Explainer, catalog: Catalog, names: frozenset[str], planned: PlannedStatement
) -> StatementCheck:
    """``names``: the index's, and on a partitioned table its partitions' (plans show those)."""
    statement = Statement(planned.queryid, (), planned.query, planned.calls, 0.0, 0.0)
    parsed = analyse(statement, catalog)
    if isinstance(parsed, Skipped):
        return StatementCheck(planned.queryid, planned.query, None, reason=parsed.reason)
    try:
        cost, read = readings.plan_cost(explainer, parsed)
    except PlanError as exc:
        return StatementCheck(planned.queryid, planned.query, None, reason=str(exc))
    return StatementCheck(planned.queryid, planned.query, bool(names & read), cost=cost)


def replan(
    dsn: str | None, version_num: int, indexes: Sequence[PlannedIndex]
) -> dict[str, tuple[StatementCheck, ...]]:
    """Index name -> the re-planned statements it was meant for."""
    wanted = [i for i in indexes if i.statements]
    if not wanted:
        return {}
    conn = session.connect(dsn, statement_timeout_ms=10_000, lock_timeout_ms=1_000)
    try:
        return _replan(conn, version_num, wanted)
    finally:
        conn.close()


def _replan(
    conn: psycopg.Connection[Any], version_num: int, indexes: Sequence[PlannedIndex]
) -> dict[str, tuple[StatementCheck, ...]]:
    catalog = read_catalog(conn)
    explainer = Explainer(conn, version_num)
    return {
        index.name: tuple(_check(explainer, catalog, _names(index), s) for s in index.statements)
        for index in indexes
    }


def _names(index: PlannedIndex) -> frozenset[str]:
    return frozenset({index.name, *(name for _, _, name in index.partition_names)})


def replan_quietly(
    dsn: str | None, version_num: int, indexes: Sequence[PlannedIndex]
) -> tuple[dict[str, tuple[StatementCheck, ...]], str | None]:
    """``replan``, or no checks and the reason when the read-only session cannot be had."""
    try:
        return replan(dsn, version_num, indexes), None
    except AdvisorError as exc:
        return {}, str(exc)
    except psycopg.Error as exc:
        return {}, session.safe_message(exc)
