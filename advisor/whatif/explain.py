"""Generic plans of workload statements: the plan the server would use for any parameter values.

PostgreSQL 16+ has ``EXPLAIN (GENERIC_PLAN)``. Before that we ``PREPARE`` the statement under our
own name, force a generic plan with ``plan_cache_mode``, ``EXPLAIN EXECUTE`` it with NULLs and
``DEALLOCATE`` that name only (never ``DEALLOCATE ALL``: psycopg may own prepared statements too).
A statement is prepared afresh for every plan: a cached generic plan would not see hypothetical
indexes created after it. The name is always the same: pg_stat_statements keeps each
``EXPLAIN EXECUTE`` text as an entry of its own, and a new name per plan filled it with thousands
of them, evicting the workload's own statements.

``EXECUTE`` starts the executor, which prunes partitions with the parameter values: NULL matches
no partition, so every scan under the Append would be removed from the plan shown ("Subplans
Removed"), and with them the indexes it reads and the conditions it tests. For those EXPLAINs
run-time pruning is turned off (``enable_partition_pruning``), so that the plan shows every
partition, as ``GENERIC_PLAN`` does on 16+. Its costs do not change: a generic plan is costed
before any pruning by parameter values.
"""

from __future__ import annotations

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
        self._types: dict[str, dict[int, str]] = {}  # statement key -> forced parameter types
        self._pruning = True  # enable_partition_pruning, as the session has it now
        if not self.generic_plan_option:
            conn.execute("SET plan_cache_mode = force_generic_plan")

    def _partition_pruning(self, on: bool) -> None:
        """Off for EXECUTE with NULLs, on for plain EXPLAIN (where constants prune at planning)."""
        if self._pruning != on:
            value = sql.Literal("on" if on else "off")
            self.conn.execute(
                sql.SQL("SELECT pg_catalog.set_config('enable_partition_pruning', {}, false)")
                .format(value)
            )  # fmt: skip
            self._pruning = on

    def plan(self, parsed: ParsedStatement, *, verbose: bool = True) -> dict[str, Any]:
        """The top plan node (``{"Node Type": ..., "Total Cost": ...}``) of the generic plan.

        VERBOSE qualifies every column with its scan's alias and lists each node's output. The
        analysis plans VERBOSE every time, though it reads only the baseline's expressions: it
        costs nothing measurable, and one text per statement is one pg_stat_statements entry,
        not two. ``verbose=False`` is the plan as EXPLAIN prints it by default, for display.
        """
        for _attempt in range(parsed.param_count + 1):
            try:
                return self._plan_once(parsed, verbose)
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

    def _plan_once(self, parsed: ParsedStatement, verbose: bool) -> dict[str, Any]:
        body = sql.SQL(parsed.plan_sql)  # the workload statement itself, verbatim
        forced = self._types.get(parsed.statement.key, {})
        explain = sql.SQL("EXPLAIN (VERBOSE, FORMAT JSON" if verbose else "EXPLAIN (FORMAT JSON")
        if parsed.param_count == 0:
            self._partition_pruning(True)
            return self._explain(sql.SQL("{}) {}").format(explain, body))
        if self.generic_plan_option and not forced:
            return self._explain(sql.SQL("{}, GENERIC_PLAN) {}").format(explain, body))
        self._partition_pruning(False)
        name = sql.Identifier("advisor_plan")
        if forced:
            types = sql.SQL(", ").join(
                sql.SQL(forced.get(i, "unknown")) for i in range(1, parsed.param_count + 1)
            )
            prepare = sql.SQL("PREPARE {} ({}) AS {}").format(name, types, body)
        else:
            prepare = sql.SQL("PREPARE {} AS {}").format(name, body)
        try:
            self.conn.execute(prepare)
        except errors.DuplicatePreparedStatement:  # left by a DEALLOCATE that failed
            self.conn.execute(sql.SQL("DEALLOCATE {}").format(name))
            self.conn.execute(prepare)
        try:
            nulls = sql.SQL(", ").join([sql.NULL] * parsed.param_count)
            return self._explain(sql.SQL("{}) EXECUTE {}({})").format(explain, name, nulls))
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
