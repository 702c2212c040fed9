"""``explain``: one statement's plan, before and after hypothetical indexes. Nothing is executed.

Read-only by construction, in layers:

- the statement passed ``inputs.plannable`` (exactly one SELECT, INSERT, UPDATE, DELETE, MERGE,
  VALUES or WITH) and goes to the server as the parser printed it back, so the server plans
  exactly the statement that was checked;
- a statement that calls a function which may write is refused before it is planned (see
  ``refuse_writers``);
- it is planned by ``Explainer``, with ``EXPLAIN`` and never ``ANALYZE`` (the generic plan when
  it has ``$n`` parameters, else the plan for its literals): the statement does not run, no row
  is written, no trigger fires, a data-modifying ``WITH`` is only planned;
- on the analysis session (``session.connect``): each statement is its own read-only
  transaction (``default_transaction_read_only``) with ``analyze``'s statement and lock
  timeouts. The planner does evaluate immutable and stable functions on constants (constant
  folding, selectivity estimates); in a read-only transaction they cannot write, and what they
  can read is what the role may read (hence the least-privilege role of the README);
- hypothetical indexes passed ``inputs.hypothetical_index`` and exist only in HypoPG, in the
  memory of this call's backend; the connection is closed at the end of every call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg

from advisor.collect import server as server_mod
from advisor.db import session
from advisor.errors import AnalysisAborted
from advisor.lint.catalog import function_volatility
from advisor.mcp.inputs import Hypothetical, Plannable, Refused, hypothetical_index, plannable
from advisor.model import ParsedStatement, Statement
from advisor.render.plan import tree
from advisor.sources.model import QUERY
from advisor.whatif.explain import Explainer, PlanError, used_index_names
from advisor.whatif.hypopg import HYPOTHETICAL_METHODS, HypoError, HypoPG

# Volatile built-in functions without side effects: the only volatile functions accepted.
SIDE_EFFECT_FREE = frozenset(
    {"random", "random_normal", "clock_timestamp", "timeofday", "gen_random_uuid"}
)


def writing_functions(functions: Sequence[str], volatility: dict[str, str]) -> list[str]:
    """The functions of ``functions`` that may write: volatile in some schema they may resolve
    to (``volatility`` as ``function_volatility`` gives it), unless side-effect free built-ins.

    EXPLAIN never calls a volatile function; refusing them answers plainly instead of planning a
    statement that would write when run (``nextval``, a PL/pgSQL function that inserts, ...).
    """
    refused = []
    for name in functions:
        schema, _, bare = name.rpartition(".")
        if schema:
            schemas = [schema] if volatility.get(name) == "v" else []
        else:
            suffix = "." + bare
            schemas = [
                key[: -len(suffix)]
                for key, kind in volatility.items()
                if kind == "v" and key.endswith(suffix)
            ]
        if any(s != "pg_catalog" or bare not in SIDE_EFFECT_FREE for s in schemas):
            refused.append(name)
    return refused


def refuse_writers(conn: psycopg.Connection[Any], statements: Sequence[Plannable]) -> None:
    """``Refused`` when a statement calls a function that may write."""
    names = sorted({f for s in statements for f in s.functions})
    if not names:
        return
    writers = writing_functions(names, function_volatility(conn, names))
    if writers:
        raise Refused(
            f"calls {', '.join(writers)}: a volatile function may write, so it is not accepted "
            "(EXPLAIN would not run it, but the statement would write when run)"
        )


T = TypeVar("T")


def _each(check: Callable[[str], T], texts: Sequence[str], what: str) -> list[T]:
    """``check`` applied to every text; a refusal names the text by its position."""
    checked = []
    for number, text in enumerate(texts, start=1):
        try:
            checked.append(check(text))
        except Refused as err:
            raise Refused(f"{what} {number}: {err}") from None
    return checked


def _connect(dsn: str | None, statement_timeout_ms: int, lock_timeout_ms: int) -> Any:
    return session.connect(
        dsn, statement_timeout_ms=statement_timeout_ms, lock_timeout_ms=lock_timeout_ms
    )


def check_statements(
    dsn: str | None, texts: Sequence[str], *, statement_timeout_ms: int, lock_timeout_ms: int
) -> list[Plannable]:
    """Each text as a plannable statement that calls no function that may write."""
    checked = _each(plannable, texts, "statement")
    conn = _connect(dsn, statement_timeout_ms, lock_timeout_ms)
    try:
        refuse_writers(conn, checked)
    finally:
        conn.close()
    return checked


def explain(
    dsn: str | None,
    query: str,
    hypothetical: Sequence[str] = (),
    *,
    statement_timeout_ms: int,
    lock_timeout_ms: int,
) -> dict[str, Any]:
    """The plan of ``query`` without and with the ``hypothetical`` indexes, as a JSON document."""
    statement = plannable(query)
    wanted = _each(hypothetical_index, hypothetical, "hypothetical index")
    conn = _connect(dsn, statement_timeout_ms, lock_timeout_ms)
    try:
        return _explain(conn, statement, wanted)
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(f"connection lost: {session.safe_message(exc)}") from None
    finally:
        conn.close()


def _plan(explainer: Explainer, parsed: ParsedStatement) -> dict[str, Any]:
    try:
        return explainer.plan(parsed, verbose=False)  # the plan as EXPLAIN prints it
    except PlanError as exc:
        raise Refused(f"cannot plan the query: {exc}") from None


def _explain(
    conn: psycopg.Connection[Any], statement: Plannable, wanted: list[Hypothetical]
) -> dict[str, Any]:
    server = server_mod.check(conn, require_hypopg=bool(wanted), require_pgss=False)
    refuse_writers(conn, [statement])
    hypo = HypoPG(conn, server.hypopg_schema, server.info.hypopg_version or "")
    for index in wanted:
        if not hypo.supports(index.method):
            raise Refused(
                f"HypoPG {hypo.version} cannot make a {index.method} index hypothetical "
                f"(it can: {', '.join(sorted(HYPOTHETICAL_METHODS))})"
            )
    explainer = Explainer(conn, server.info.version_num)
    parsed = ParsedStatement(
        statement=Statement(None, (), statement.text, 0, 0.0, 0.0, source=QUERY),
        plan_sql=statement.text,
        param_count=statement.param_count,
        tables=(),
        uses=(),
    )
    before = _plan(explainer, parsed)
    after: dict[str, Any] | None = None
    created: list[dict[str, Any]] = []
    if wanted:
        hypo.reset()
        try:
            for index in wanted:
                try:
                    made = hypo.create_from_sql(index.text)
                except HypoError as exc:
                    raise Refused(f"HypoPG refused {index.text}: {exc}") from None
                created.append(
                    {"definition": index.text, "method": index.method, "name": made.name,
                     "hypopg_size_bytes": made.size}
                )  # fmt: skip
            after = _plan(explainer, parsed)
        finally:
            if not conn.broken:
                hypo.reset()
    used_after = used_index_names(after) if after is not None else frozenset()
    for entry in created:
        entry["used"] = entry["name"] in used_after
    change = None
    if after is not None and before["Total Cost"] > 0:
        ratio = after["Total Cost"] / before["Total Cost"]
        change = round(100.0 * (ratio - 1.0), 1)
    return {
        "query": statement.text,
        "kind": statement.kind,
        "parameters": statement.param_count,
        "plan_type": "generic" if statement.param_count else "literal",
        "before": _side(before),
        "after": _side(after) if after is not None else None,
        "hypothetical_indexes": created,
        "cost_change_percent": change,
        "server": {
            "version": server.info.version,
            "database": server.info.database,
            "hypopg_version": server.info.hypopg_version,
        },
    }


def _side(plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "total_cost": round(float(plan["Total Cost"]), 2),
        "startup_cost": round(float(plan["Startup Cost"]), 2),
        "rows": plan.get("Plan Rows"),
        "indexes_used": sorted(used_index_names(plan)),
        "tree": tree(plan),
        "plan": plan,
    }
