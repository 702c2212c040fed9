"""``apply --validate FILE``: time for real the statements an index changes; take it back if
one of them got slower.

The planner's cost model can prefer a plan that runs slower: TPC-H's Q7 gets a nested loop
over an index that the planner prices at a quarter of what its probes take (``get_loop_count``
amortises heap pages over the loops of the whole table, not those that run). No plan can tell;
only running the statement can. So, around each build:

1. **Which statements** the index changes: on a read-only session, the index is made
   hypothetical (HypoPG) and each statement of FILE is planned with its constants; those whose
   plan reads it are the ones to time. The others cannot move, and are not run.
2. **Before**: each of those runs ``runs`` times, its executor time read from
   ``EXPLAIN (ANALYZE, TIMING OFF)`` (no row is sent back); the fastest run counts, so a
   neighbour's burst does not. A run cut by the ``timeout`` counts as "at least the timeout" and
   is not repeated.
3. The index is built as usual; **after**: the same statements, the same way.
4. When one of them is more than ``max_slowdown`` slower (and by more than ``floor_ms``, below
   which a timer's jitter is not a slowdown), the index is dropped again, ``CONCURRENTLY``, and
   the apply says which statement and by how much.

Only statements that cannot write are run: each is parsed, must be a ``SELECT`` without
``$n`` parameters that calls no function which may write, and runs in a read-only transaction
(which also refuses ``FOR UPDATE`` and data-modifying ``WITH``). The session is untracked when
the role may: otherwise pg_stat_statements records each run as an ``EXPLAIN`` utility entry
(the statement itself is nested inside it, not tracked at the default ``track = top``).

The comparison is before against after, minutes apart: on a busy server, ``runs`` and the
fastest-run rule are what stand between noise and a verdict. An index whose statements all got
faster or stayed within the tolerance is kept as built.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors, sql

from advisor.apply.model import Timing
from advisor.collect import server as server_mod
from advisor.db import queries, session
from advisor.errors import AdvisorError, UsageError
from advisor.lint.catalog import function_volatility
from advisor.mcp.explain import writing_functions
from advisor.mcp.inputs import Refused, hypothetical_index, plannable
from advisor.model import ParsedStatement, Statement
from advisor.plan_file import PlannedIndex
from advisor.sources.files import read_query_file
from advisor.sources.model import FILE
from advisor.whatif.explain import Explainer, PlanError, used_index_names
from advisor.whatif.hypopg import HypoError, HypoPG

# one run of a statement on the validation session: its executor time in ms, None when the
# timeout cut it. Tests pin it; a verdict must not rest on a busy test machine's timer.
Measure = Callable[[psycopg.Connection[Any], str], float | None]


@dataclass(frozen=True)
class ValidateOptions:
    runs: int = 3  # runs per statement and side; the fastest counts
    timeout_ms: int = 30_000  # per run
    max_slowdown: float = 0.20  # slower than before by more than this share: taken back
    floor_ms: float = 5.0  # and by more than this many milliseconds


@dataclass(frozen=True)
class Candidate:
    """A statement of the file that may be run, or why not."""

    text: str
    reason: str | None = None  # set: never run


def read_statements(path: Path) -> list[Candidate]:
    """The file's statements (the ``--queries`` format), each checked for running."""
    return candidates([s.statement.query for s in read_query_file(path)])


def candidates(texts: Sequence[str]) -> list[Candidate]:
    """Each text checked for running: a SELECT with its constants."""
    return [_candidate(text) for text in texts]


def _candidate(text: str) -> Candidate:
    try:
        checked = plannable(text)
    except Refused as err:
        return Candidate(text, str(err))
    if checked.kind != "SELECT":
        return Candidate(text, f"a {checked.kind} writes: only SELECT statements are timed")
    if checked.param_count:
        return Candidate(text, "it has $n parameters: give it with its constants to time it")
    return Candidate(checked.text)


def run_once(conn: psycopg.Connection[Any], text: str) -> float | None:
    """``Measure`` for real: one run's executor time in ms, None when the timeout cut it."""
    query = queries.load("apply_validate_run").format(statement=sql.SQL(text))  # type: ignore[arg-type]
    try:  # one statement in autocommit: read-only by the session's default
        row = conn.execute(query).fetchone()
    except errors.QueryCanceled:
        return None
    assert row is not None
    document = row[0][0] if isinstance(row[0], list) else row[0]
    return float(document["Execution Time"])


def _parsed(text: str) -> ParsedStatement:
    statement = Statement(None, (), text, 0, 0.0, 0.0, source=FILE)
    return ParsedStatement(statement=statement, plan_sql=text, param_count=0, tables=(), uses=())


def verdict(timings: Sequence[Timing], options: ValidateOptions) -> Timing | None:
    """The statement that makes the index go back (the most slowed down), None to keep it."""
    slower = [t for t in timings if t.slower(options.max_slowdown, options.floor_ms)]
    return max(slower, key=lambda t: t.ratio(options.timeout_ms), default=None)


class Validator:
    """One read-only session for the whole apply: HypoPG's indexes live in its backend."""

    def __init__(
        self,
        dsn: str | None,
        candidates: Sequence[Candidate],
        options: ValidateOptions,
        *,
        measure: Measure = run_once,
    ) -> None:
        self.options = options
        self.measure = measure
        self.conn = session.connect(dsn, statement_timeout_ms=options.timeout_ms,
                                    lock_timeout_ms=1_000)  # fmt: skip
        try:
            server = server_mod.check(self.conn, require_hypopg=True, require_pgss=False)
        except AdvisorError as err:
            self.conn.close()
            raise UsageError(
                f"--validate finds the statements an index changes with HypoPG: {err}"
            ) from None
        self.tracked = session.tracking(self.conn) not in (None, "none")
        self.hypo = HypoPG(self.conn, server.hypopg_schema, server.info.hypopg_version or "")
        self.explainer = Explainer(self.conn, server.info.version_num)
        self.skipped = [c for c in candidates if c.reason]
        self.statements = self._no_writers([c for c in candidates if not c.reason])

    def close(self) -> None:
        if not self.conn.closed:
            with contextlib.suppress(psycopg.Error):
                self.hypo.reset()
            self.conn.close()

    def _no_writers(self, candidates: list[Candidate]) -> list[str]:
        checked = [plannable(c.text) for c in candidates]
        names = sorted({f for p in checked for f in p.functions})
        writers = set(writing_functions(names, function_volatility(self.conn, names)))
        kept = []
        for item in checked:
            found = sorted(writers.intersection(item.functions))
            if found:
                reason = f"calls {', '.join(found)}, which may write"
                self.skipped.append(Candidate(item.text, reason))
            else:
                kept.append(item.text)
        return kept

    def changed_by(self, index: PlannedIndex) -> list[str]:
        """The statements whose plan reads ``index`` once it exists (as HypoPG sees it)."""
        try:
            made = self.hypo.create_from_sql(hypothetical_index(index.create_sql).text)
        except (HypoError, Refused):
            return list(self.statements)  # HypoPG cannot say (GIN, ...): time them all
        try:
            return [s for s in self.statements if made.name in self._reads(s)]
        finally:
            self.hypo.reset()

    def _reads(self, text: str) -> frozenset[str]:
        try:
            return used_index_names(self.explainer.plan(_parsed(text), verbose=False))
        except PlanError:
            return frozenset()

    def time(self, statements: Sequence[str]) -> dict[str, float | None]:
        """Each statement's fastest run in ms (None: its first run hit the timeout). A statement
        that fails when run (a write the read-only session refuses, an error in its data) is
        left out, here and from then on."""
        measured: dict[str, float | None] = {}
        for text in statements:
            try:
                measured[text] = self._fastest(text)
            except psycopg.OperationalError:
                raise
            except psycopg.Error as exc:
                self.statements.remove(text)
                self.skipped.append(Candidate(text, f"failed: {session.safe_message(exc)}"))
        return measured

    def _fastest(self, text: str) -> float | None:
        best: float | None = None
        for _ in range(self.options.runs):
            ms = self.measure(self.conn, text)
            if ms is None:  # at least the timeout: another run says no more
                return best
            best = ms if best is None else min(best, ms)
        return best

    def before(self, index: PlannedIndex) -> dict[str, float | None]:
        """The statements ``index`` will change, timed while it does not exist yet."""
        return self.time(self.changed_by(index))

    def after(self, before: dict[str, float | None]) -> tuple[Timing, ...]:
        """The same statements timed again, now that the index is built."""
        now = self.time(list(before))
        return tuple(Timing(q, before[q], now[q]) for q in before if q in now)


def describe(worst: Timing, options: ValidateOptions) -> str:
    """Why an index was taken back, in one line."""
    head = " ".join(worst.query.split())
    head = head if len(head) <= 60 else head[:57] + "..."
    after = "the timeout" if worst.after_ms is None else _ms(worst.after_ms)
    return (
        f"{head!r} ran in {after} with it, {_ms(worst.before_ms or 0.0)} before "
        f"({worst.ratio(options.timeout_ms):.2f}x, over the {options.max_slowdown:.0%} allowed)"
    )


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"
