"""Generic plans of workload statements: the plan the server would use for any parameter values.

PostgreSQL 16+ has ``EXPLAIN (GENERIC_PLAN)``. Before that we ``PREPARE`` the statement under our
own name, force a generic plan with ``plan_cache_mode``, ``EXPLAIN EXECUTE`` it with NULLs and
``DEALLOCATE`` that name only (never ``DEALLOCATE ALL``: psycopg may own prepared statements too).
A statement is prepared afresh for every plan: a cached generic plan would not see hypothetical
indexes created after it.

pg_stat_statements tracks ``EXPLAIN`` as a utility statement under its own text (13-15) or tree
(16+): one entry per distinct statement planned, enough to evict the workload it reads. The
session turns tracking off where its role may (``db/session.py``). Where it cannot, every plan
goes through one prepared statement, ``advisor_plan``, whose parameter list is padded to a power
of 8 (referenced parameters ``unknown``, so the server infers them; the padding ``text``, unused):
``EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE advisor_plan(NULL, ...)`` then has one text per size
class, a handful whatever the workload (PREPARE and EXECUTE are not tracked; 17+ tracks
``DEALLOCATE $1`` once). With ``pg_stat_statements.track = all`` the server still records the
planned statement itself as a nested entry: only turning tracking off avoids that
(``footprint``).

``EXECUTE`` starts the executor, which prunes partitions with the parameter values: NULL matches
no partition, so every scan under the Append would be removed from the plan shown ("Subplans
Removed"), and with them the indexes it reads and the conditions it tests. For those EXPLAINs
run-time pruning is turned off (``enable_partition_pruning``), so that the plan shows every
partition, as ``GENERIC_PLAN`` does on 16+. Its costs do not change: a generic plan is costed
before any pruning by parameter values. A statement without parameters of its own is planned
with pruning on, however it is sent: its constants prune at planning, as they will when it runs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors, sql

from advisor.db import session
from advisor.db.batch import script
from advisor.errors import AnalysisAborted
from advisor.model import ParsedStatement
from advisor.whatif import lenient

Script = tuple[list[sql.SQL], int]  # statements, and which of them returns the plan
_UNTYPED = re.compile(r"could not determine data type of parameter \$(\d+)")
PLAN_NAME = "advisor_plan"
PAD_BASE = 8  # parameter lists are padded to 8, 64, 512, 4096 or 32768

log = logging.getLogger(__name__)


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


def padded(count: int) -> int:
    """The parameter count ``count`` is padded to: the next power of ``PAD_BASE``."""
    size = PAD_BASE
    while size < count:
        size *= PAD_BASE
    return size


class Explainer:
    def __init__(
        self, conn: psycopg.Connection[Any], version_num: int, *, keep_jit: bool = False
    ) -> None:
        """``keep_jit``: leave the session's ``jit`` as it is, for a session that also runs
        statements for real (``apply --validate``). Otherwise it is turned off: EXPLAIN without
        ANALYZE still compiles the plan's expressions when its cost passes ``jit_above_cost``
        (most analytic statements), a compilation no what-if plan needs, and JIT is decided
        after the plan, so it changes no cost. On TPC-DS with the server's default ``jit = on``
        it took 15 % of an analysis (docs/benchmarks.md)."""
        self.conn = conn
        self.tracking = session.tracking(conn)  # pg_stat_statements' level for this session
        self.tracked = self.tracking not in (None, "none")
        self.generic_plan_option = version_num >= 160000 and not self.tracked
        self.calls = 0
        self._name = sql.Identifier(PLAN_NAME)
        self._types: dict[str, dict[int, str]] = {}  # statement key -> forced parameter types
        self._pruning = True  # enable_partition_pruning, as the session has it now
        # per (planned SQL, VERBOSE, forced types): a plan's statements, which one returns it
        self._scripts: dict[tuple[str, bool, tuple[tuple[int, str], ...]], Script] = {}
        session.set_config(conn, "plan_cache_mode", "force_generic_plan")
        if not keep_jit:
            session.set_config(conn, "jit", "off")

    def _partition_pruning(self, on: bool) -> None:
        """Off for EXECUTE with NULLs, on for plain EXPLAIN (where constants prune at planning)."""
        if self._pruning != on:
            session.set_config(self.conn, "enable_partition_pruning", "on" if on else "off")
            self._pruning = on

    def plan(
        self, parsed: ParsedStatement, *, verbose: bool = True, prelude: Prelude | None = None
    ) -> dict[str, Any]:
        """The top plan node (``{"Node Type": ..., "Total Cost": ...}``) of the generic plan.

        VERBOSE qualifies every column with its scan's alias and lists each node's output. The
        analysis plans VERBOSE every time, though it reads only the baseline's expressions: it
        costs nothing measurable, and one text per statement is one pg_stat_statements entry,
        not two. ``verbose=False`` is the plan as EXPLAIN prints it by default, for display.

        A ``prelude`` goes first, in the same round trip; its results are left in it. When that
        script fails, ``PreludeFailed`` says so, whatever failed: the caller puts right what
        the prelude did and plans again without one (the error handling below then applies).
        """
        if prelude is not None:
            try:
                return self._plan_once(parsed, verbose, prelude)
            except psycopg.Error as exc:
                if self.conn.closed or self.conn.broken:
                    raise AnalysisAborted(
                        f"connection lost during analysis: {_reason(exc)}"
                    ) from None
                self.calls -= 1  # replayed step by step, where the EXPLAIN counts if it runs
                raise PreludeFailed(_reason(exc)) from None
        for _attempt in range(parsed.param_count + 2):
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
            except errors.InternalError_ as exc:
                if not verbose:
                    raise PlanError(_reason(exc)) from None
                # VERBOSE prints every expression back, and printing is where HypoPG 1.3.1
                # fails on some plans that plan fine (an index-only scan of a hypothetical
                # expression index under a subquery: "invalid attnum 5 for relation
                # custsale"); the plan without VERBOSE is the same plan, at the same cost
                log.debug("EXPLAIN VERBOSE failed (%s); planned without VERBOSE", _reason(exc))
                verbose = False
            except psycopg.Error as exc:
                raise PlanError(_reason(exc)) from None
        raise PlanError("could not determine the types of its parameters")

    def _read(self, row: tuple[Any, ...] | None) -> dict[str, Any]:
        if row is None:
            raise PlanError("EXPLAIN returned nothing")
        doc = row[0]
        if isinstance(doc, str):
            doc = json.loads(doc)
        plan: dict[str, Any] = doc[0]["Plan"]
        return plan

    def _plan_once(
        self, parsed: ParsedStatement, verbose: bool, prelude: Prelude | None = None
    ) -> dict[str, Any]:
        forced = self._types.get(parsed.statement.key, {})
        count = parsed.param_count
        generic = self.generic_plan_option and not forced
        # EXECUTE with NULLs would prune every partition; constants prune at planning, as in a run
        self._partition_pruning(count == 0 or generic)
        key = (parsed.plan_sql, verbose, tuple(sorted(forced.items())))
        found = self._scripts.get(key)
        if found is None:  # composed once: a statement is planned again and again
            statements, at = self._statements(parsed, verbose, forced, generic)
            found = [sql.SQL(s.as_string(self.conn)) for s in statements], at
            self._scripts[key] = found
        return self._run(found[0], found[1], prelude)

    def _statements(
        self, parsed: ParsedStatement, verbose: bool, forced: dict[int, str], generic: bool
    ) -> tuple[list[sql.Composable], int]:
        """The statements that plan ``parsed``, and which of them returns the plan."""
        body = sql.SQL(parsed.plan_sql)  # the workload statement itself, verbatim
        explain = sql.SQL("EXPLAIN (VERBOSE, FORMAT JSON" if verbose else "EXPLAIN (FORMAT JSON")
        count = parsed.param_count
        if not self.tracked and count == 0:
            return [sql.SQL("{}) {}").format(explain, body)], 0
        if generic:
            return [sql.SQL("{}, GENERIC_PLAN) {}").format(explain, body)], 0
        slots = padded(count) if self.tracked else count
        types = [sql.SQL(forced.get(i, "unknown")) for i in range(1, count + 1)]
        types += [sql.SQL("text")] * (slots - count)
        if types:
            prepare = sql.SQL("PREPARE {} ({}) AS {}").format(
                self._name, sql.SQL(", ").join(types), body
            )
            execute = sql.SQL("{}) EXECUTE {}({})").format(
                explain, self._name, sql.SQL(", ").join([sql.NULL] * slots)
            )
        else:
            prepare = sql.SQL("PREPARE {} AS {}").format(self._name, body)
            execute = sql.SQL("{}) EXECUTE {}").format(explain, self._name)
        deallocate = sql.SQL("DEALLOCATE {}").format(self._name)
        return [prepare, execute, deallocate], 1

    def _run(
        self, statements: Sequence[sql.Composable], at: int, prelude: Prelude | None
    ) -> dict[str, Any]:
        """The plan that ``statements[at]`` returns, with the prelude's statements first, all in
        one round trip (``batch.script``). A PREPARE is not undone by a later error: when the
        script fails, the name is freed before the error goes on."""
        self.calls += 1
        before = prelude.statements if prelude else []
        prepared = len(statements) > 1
        deallocate = sql.SQL("DEALLOCATE {}").format(self._name)
        try:
            with lenient.cursor(self.conn) as cur:  # HypoPG may cut a name mid-character
                results = script(cur, [*before, *statements])
        except errors.DuplicatePreparedStatement:  # an earlier DEALLOCATE did not get through
            self.conn.execute(deallocate)
            if prelude:
                raise
            self.calls -= 1
            return self._run(statements, at, prelude)
        except psycopg.Error:
            if prepared and not self.conn.broken:
                with contextlib.suppress(errors.InvalidSqlStatementName):  # PREPARE failed too
                    self.conn.execute(deallocate)
            raise
        if prelude:
            prelude.results = results[: len(before)]
        rows = results[len(before) + at]
        return self._read(rows[0] if rows else None)


@dataclass
class Prelude:
    """Statements to run before a plan's own, in its round trip; their results, once run."""

    statements: list[sql.Composable]
    results: list[list[tuple[Any, ...]]] = field(default_factory=list)


class PreludeFailed(Exception):
    """The script of a prelude and a plan failed; how far it got is not known."""


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
