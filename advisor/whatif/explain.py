"""Generic plans of workload statements: the plan the server would use for any parameter values.

PostgreSQL 16+ has ``EXPLAIN (GENERIC_PLAN)``. Before that we ``PREPARE`` the statement under our
own name, force a generic plan with ``plan_cache_mode``, ``EXPLAIN EXECUTE`` it with NULLs and
``DEALLOCATE`` that name only (never ``DEALLOCATE ALL``: psycopg may own prepared statements too).
A statement is prepared afresh for every plan: a cached generic plan would not see hypothetical
indexes created after it.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import psycopg
from psycopg import errors, sql

from advisor.errors import AnalysisAborted
from advisor.model import ParsedStatement
from advisor.whatif import lenient

_UNTYPED = re.compile(r"could not determine data type of parameter \$(\d+)")


class PlanError(Exception):
    """This statement cannot be planned; the message is the reason shown to the user."""


def _reason(exc: psycopg.Error) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, errors.QueryCanceled):
        return "planning hit statement_timeout"
    if isinstance(exc, errors.LockNotAvailable):
        return "a table is locked (lock_timeout while planning)"
    if isinstance(exc, errors.InsufficientPrivilege):
        return f"no privilege to plan it: {first}"
    return f"planner error: {first}"


class Explainer:
    def __init__(self, conn: psycopg.Connection[Any], version_num: int) -> None:
        self.conn = conn
        self.generic_plan_option = version_num >= 160000
        self.calls = 0
        self._names = itertools.count(1)
        self._types: dict[str, dict[int, str]] = {}  # statement key -> forced parameter types
        if not self.generic_plan_option:
            conn.execute("SET plan_cache_mode = force_generic_plan")

    def plan(self, parsed: ParsedStatement) -> dict[str, Any]:
        """The top plan node (``{"Node Type": ..., "Total Cost": ...}``) of the generic plan."""
        for _attempt in range(parsed.param_count + 1):
            try:
                return self._plan_once(parsed)
            except errors.IndeterminateDatatype as exc:
                match = _UNTYPED.search(str(exc))
                forced = self._types.setdefault(parsed.statement.key, {})
                if not match or int(match.group(1)) in forced:
                    raise PlanError(_reason(exc)) from None
                forced[int(match.group(1))] = "text"
            except psycopg.OperationalError as exc:
                if self.conn.closed or self.conn.broken:
                    raise AnalysisAborted(
                        f"connection lost during analysis: {_reason(exc)}"
                    ) from None
                raise PlanError(_reason(exc)) from None
            except psycopg.Error as exc:
                raise PlanError(_reason(exc)) from None
        raise PlanError("could not determine the types of its parameters")

    def _explain(self, statement: sql.Composed) -> dict[str, Any]:
        self.calls += 1
        with lenient.cursor(self.conn) as cur:  # HypoPG may cut a name mid-character
            row = cur.execute(statement).fetchone()
        if row is None:
            raise PlanError("EXPLAIN returned nothing")
        doc = row[0]
        if isinstance(doc, str):
            import json

            doc = json.loads(doc)
        plan: dict[str, Any] = doc[0]["Plan"]
        return plan

    def _plan_once(self, parsed: ParsedStatement) -> dict[str, Any]:
        body = sql.SQL(parsed.plan_sql)  # the workload statement itself, verbatim
        forced = self._types.get(parsed.statement.key, {})
        if parsed.param_count == 0:
            return self._explain(sql.SQL("EXPLAIN (FORMAT JSON) {}").format(body))
        if self.generic_plan_option and not forced:
            return self._explain(sql.SQL("EXPLAIN (FORMAT JSON, GENERIC_PLAN) {}").format(body))
        name = sql.Identifier(f"advisor_plan_{next(self._names)}")
        if forced:
            types = sql.SQL(", ").join(
                sql.SQL(forced.get(i, "unknown")) for i in range(1, parsed.param_count + 1)
            )
            prepare = sql.SQL("PREPARE {} ({}) AS {}").format(name, types, body)
        else:
            prepare = sql.SQL("PREPARE {} AS {}").format(name, body)
        self.conn.execute(prepare)
        try:
            nulls = sql.SQL(", ").join([sql.NULL] * parsed.param_count)
            return self._explain(
                sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE {}({})").format(name, nulls)
            )
        finally:
            if not self.conn.broken:
                self.conn.execute(sql.SQL("DEALLOCATE {}").format(name))


def used_index_names(plan: dict[str, Any]) -> frozenset[str]:
    """Every index a plan tree reads."""
    names: set[str] = set()
    stack = [plan]
    while stack:
        node = stack.pop()
        if "Index Name" in node:
            names.add(node["Index Name"])
        stack.extend(node.get("Plans", ()))
    return frozenset(names)


def seq_scan_costs(plan: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    """Per table name, the cost of the sequential scans of it in a plan tree (a scan's total cost
    is its own: it has no children)."""
    costs: dict[str, float] = {}
    stack = [plan]
    while stack:
        node = stack.pop()
        if node.get("Node Type") == "Seq Scan" and "Relation Name" in node:
            name = str(node["Relation Name"])
            costs[name] = costs.get(name, 0.0) + float(node.get("Total Cost", 0.0))
        stack.extend(node.get("Plans", ()))
    return tuple(sorted(costs.items()))
