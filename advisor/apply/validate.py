"""``apply --validate FILE``: time for real the statements an index changes; take it back if
one of them got slower.

The planner's cost model can prefer a plan that runs slower: TPC-H's Q7 gets a nested loop
over an index that the planner prices at a quarter of what its probes take (``get_loop_count``
amortises heap pages over the loops of the whole table, not those that run). No plan can tell;
only running the statement can. So:

1. **Before any build**, every statement of FILE that reads a table of the plan's indexes (only
   those can change) runs ``runs`` times on a read-only session, its executor time read from
   ``EXPLAIN (ANALYZE, TIMING OFF)`` (no row is sent back). The fastest run counts, so a
   neighbour's burst does not; a run cut by the ``timeout`` counts as "at least the timeout" and
   is not repeated.
2. **Right before each later build**, the statements that read the index's table and were last
   timed before an earlier build run again the same way: the verdict then compares times
   seconds apart, not minutes. A 2-vCPU machine drifts by a third over minutes (TPC-H's Q3 ran
   in 727 ms at the start of an apply and 480-570 ms later, on the same plan), which would
   decide verdicts of its own. One whose latest run hit the timeout is not run again: it would
   say no more.
3. **After each build**, the statements whose plan now reads the new index run again the same
   way, and are set beside their latest time. The others kept their plan, and a difference in
   their time would be the machine's. The real plan decides, not a hypothetical one: HypoPG's
   estimate of an index can differ from the index built (a covering index on TPC-H's orders
   changes Q3's real plan and none of its hypothetical ones).
4. When one of them is more than ``max_slowdown`` slower than its latest time (and by more
   than ``floor_ms``, below which a timer's jitter is not a slowdown), the index is dropped
   again, ``CONCURRENTLY``, and the apply says which statement and by how much. So it is too
   when the statement is that much slower than before the first build: indexes that each stay
   within the tolerance can add up beyond it, and the one that crosses the line goes. "In all"
   is the product of each kept index's own ratio and this one's, each measured around its
   build, so the machine's drift over the apply does not add up with them. Otherwise its times
   become the statements' latest, against which the next index is judged.

Only statements that cannot write are run: each is parsed, must be a ``SELECT`` without
``$n`` parameters that calls no function which may write, and runs in a read-only transaction
(which also refuses ``FOR UPDATE`` and data-modifying ``WITH``). The session is untracked when
the role may: otherwise pg_stat_statements records each run as an ``EXPLAIN`` utility entry
(the statement itself is nested inside it, not tracked at the default ``track = top``).

The comparison is before against after, seconds to minutes apart (the build between them): on a
busy server, ``runs`` and the fastest-run rule are what stand between noise and a verdict.
Timing both sides back to back would need the index hidden from the planner on one side, which
HypoPG offers from 1.4 (``hypopg_hide_index``); Debian 12 ships 1.3.1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors, sql

from advisor.apply.model import Timing
from advisor.collect import server as server_mod
from advisor.db import queries, session
from advisor.errors import ConnectionFailed
from advisor.lint.catalog import function_volatility
from advisor.mcp.explain import writing_functions
from advisor.mcp.inputs import Refused, plannable
from advisor.model import ParsedStatement, Statement
from advisor.parse.plan import nodes
from advisor.plan_file import PlannedIndex
from advisor.report.fmt import short
from advisor.sources.files import read_query_file
from advisor.sources.model import FILE
from advisor.whatif.explain import Explainer, PlanError, used_index_names

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
    functions: tuple[str, ...] = ()  # the functions it calls (``Plannable.functions``)


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
    return Candidate(checked.text, functions=checked.functions)


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
    """The statement that makes the index go back (the most slowed down, against its latest
    time or its time before the first build), None to keep it."""
    slower = [t for t in timings if _too_slow(t, options)]
    return max(slower, key=lambda t: _worst_ratio(t, options), default=None)


def _too_slow(timing: Timing, options: ValidateOptions) -> bool:
    return timing.slower(options.max_slowdown, options.floor_ms) or timing.slower_than_first(
        options.max_slowdown, options.floor_ms
    )


def _worst_ratio(timing: Timing, options: ValidateOptions) -> float:
    return max(timing.ratio(options.timeout_ms), timing.ratio_to_first(options.timeout_ms))


class Validator:
    """One read-only session for the whole apply, and the last time measured of each statement
    that reads a table of the plan."""

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
            server = server_mod.check(self.conn, require_hypopg=False, require_pgss=False)
            # the statements run for real here, as the workload runs them: with its JIT
            self.explainer = Explainer(self.conn, server.info.version_num, keep_jit=True)
            self.skipped = [c for c in candidates if c.reason]
            self.statements = self._no_writers([c for c in candidates if not c.reason])
        except psycopg.Error as exc:
            self.conn.close()
            raise lost(exc) from None
        except BaseException:
            self.conn.close()
            raise
        self.tracked = session.tracking(self.conn) not in (None, "none")
        self.last: dict[str, float | None] = {}  # statement -> its latest fastest run (ms)
        self.first: dict[str, float | None] = {}  # statement -> its time before any build
        self.kept_ratio: dict[str, float] = {}  # statement -> what the kept indexes did to it
        self.reads: dict[str, frozenset[tuple[str | None, str]]] = {}  # statement -> its tables
        self.builds = 0  # builds so far, judged (``after``) or not (``unjudged``)
        self.timed_at: dict[str, int] = {}  # statement -> ``builds`` when its latest was taken

    def close(self) -> None:
        if not self.conn.closed:
            self.conn.close()

    def _no_writers(self, candidates: list[Candidate]) -> list[str]:
        names = sorted({f for c in candidates for f in c.functions})
        writers = set(writing_functions(names, function_volatility(self.conn, names)))
        kept = []
        for item in candidates:
            found = sorted(writers.intersection(item.functions))
            if found:
                reason = f"calls {', '.join(found)}, which may write"
                self.skipped.append(Candidate(item.text, reason))
            else:
                kept.append(item.text)
        return kept

    def start(self, indexes: Sequence[PlannedIndex]) -> int:
        """Before any build: time every statement that reads a table of ``indexes`` (only those
        can change); how many."""
        tables = {(i.schema, i.table) for i in indexes}
        for text in self.statements:
            plan = self._plan(text)
            read = frozenset() if plan is None else _tables(plan)
            if read & tables:
                self.reads[text] = read
        self.last = self.time(list(self.reads))
        self.first = dict(self.last)
        self.timed_at = dict.fromkeys(self.last, 0)
        return len(self.last)

    def refresh(self, index: PlannedIndex) -> int:
        """Right before ``index`` is built: time again the statements that read its table and
        were last timed before an earlier build, so that its verdict compares times taken
        seconds apart; how many. One whose latest run hit the timeout is left: it would say no
        more."""
        table = (index.schema, index.table)
        stale = [
            q for q, ms in self.last.items()
            if ms is not None and self.timed_at.get(q, 0) < self.builds and table in self.reads[q]
        ]  # fmt: skip
        now = self.time(stale)
        self._latest(now)
        return len(now)

    def after(self, name: str) -> tuple[Timing, ...]:
        """Once the index ``name`` is built: the statements whose plan now reads it, timed
        again beside their latest time. A plan that does not read it is the plan of before, and
        a difference in time would be the machine's."""
        self.builds += 1
        reading = [q for q in self.last if name in _index_names(self._plan(q))]
        now = self.time(reading)
        return tuple(
            Timing(q, self.last[q], now[q], self.first.get(q), self.kept_ratio.get(q, 1.0))
            for q in reading
            if q in now
        )

    def unjudged(self) -> None:
        """An index was built that is not judged (on a partitioned table): it may change the
        statements' times all the same, so those taken before it are stale for the next build's
        ``refresh``."""
        self.builds += 1

    def keep(self, timings: Sequence[Timing]) -> None:
        """The index stays: its timings are the statements' latest, and its ratios part of what
        the kept indexes did to them."""
        for timing in timings:
            ratio = timing.ratio(self.options.timeout_ms)
            self.kept_ratio[timing.query] = self.kept_ratio.get(timing.query, 1.0) * ratio
        self._latest({t.query: t.after_ms for t in timings})

    def _latest(self, times: dict[str, float | None]) -> None:
        self.last.update(times)
        self.timed_at.update(dict.fromkeys(times, self.builds))

    def _plan(self, text: str) -> dict[str, Any] | None:
        try:
            return self.explainer.plan(_parsed(text))  # VERBOSE: scans name their schema
        except PlanError:
            return None

    def time(self, statements: Sequence[str]) -> dict[str, float | None]:
        """Each statement's fastest run in ms (None: its first run hit the timeout). A statement
        that fails when run (a write the read-only session refuses, an error in its data) is
        left out, here and from then on."""
        measured: dict[str, float | None] = {}
        for text in statements:
            try:
                measured[text] = self._fastest(text)
            except psycopg.OperationalError as exc:
                raise lost(exc) from None
            except psycopg.Error as exc:
                self.statements.remove(text)
                self._forget(text)
                self.skipped.append(Candidate(text, f"failed: {session.safe_message(exc)}"))
        return measured

    def _forget(self, text: str) -> None:
        self.last.pop(text, None)
        self.first.pop(text, None)
        self.reads.pop(text, None)
        self.timed_at.pop(text, None)
        self.kept_ratio.pop(text, None)

    def _fastest(self, text: str) -> float | None:
        best: float | None = None
        for _ in range(self.options.runs):
            ms = self.measure(self.conn, text)
            if ms is None:  # at least the timeout: another run says no more
                return best
            best = ms if best is None else min(best, ms)
        return best


def lost(exc: psycopg.Error) -> ConnectionFailed:
    """The one-line error when the validation session fails (the apply records what it built)."""
    return ConnectionFailed(f"--validate: the timing session failed: {session.safe_message(exc)}")


def _index_names(plan: dict[str, Any] | None) -> frozenset[str]:
    return frozenset() if plan is None else used_index_names(plan)


def _tables(plan: dict[str, Any]) -> frozenset[tuple[str | None, str]]:
    """The tables the plan tree's scans read, each as (schema, name) and as (None, name), so
    that an index's (schema or None, table) can be looked up."""
    return frozenset(
        pair
        for node, _parent in nodes(plan)
        if "Relation Name" in node
        for pair in ((node.get("Schema"), node["Relation Name"]), (None, node["Relation Name"]))
    )


def describe(worst: Timing, options: ValidateOptions) -> str:
    """Why an index was taken back, in one line."""
    head = short(worst.query, 60)
    after = "the timeout" if worst.after_ms is None else _ms(worst.after_ms)
    allowed = f"over the {options.max_slowdown:.0%} allowed"
    if worst.slower(options.max_slowdown, options.floor_ms):
        return (
            f"{head!r} ran in {after} with it, {_ms(worst.before_ms or 0.0)} before "
            f"({worst.ratio(options.timeout_ms):.2f}x, {allowed})"
        )
    return (
        f"{head!r} ran in {after} with it, {_ms(worst.before_ms or 0.0)} before it; with the "
        f"indexes kept before it, {worst.ratio_to_first(options.timeout_ms):.2f}x its time "
        f"before the first build of this apply ({allowed} in all)"
    )


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"
