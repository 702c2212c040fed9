"""Build one index safely: decide, build with lock retries, and never leave it INVALID.

``CREATE INDEX CONCURRENTLY`` commits its catalog entry first, then scans the table twice and
waits for older transactions in between. A failure or cancellation after the first step leaves
an INVALID index: useless to queries, yet maintained on every write. So every way out of a
build (lock timeout, statement timeout cap, ``pg_cancel_backend``, an error, Ctrl-C, a lost
connection) goes through ``_cleanup``, which drops the index again with ``DROP INDEX
CONCURRENTLY IF EXISTS`` (on a fresh connection when the old one broke), but only while it is
INVALID: a valid index of that name is dropped only by ``take_back``, which ``--validate`` calls
for an index this apply built and found to make a statement slower.

A new index on expressions is followed by ``ANALYZE`` of its table (``gather_statistics``):
PostgreSQL gathers statistics on an index's expressions only when the whole table is analysed,
and plans them with default selectivities until then.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors, sql

from advisor.apply import catalog
from advisor.apply.model import ApplyOptions, IndexResult, Outcome
from advisor.apply.monitor import Monitor, ProgressSink
from advisor.apply.source import on_expressions, same_definition
from advisor.db import ddl, session
from advisor.db.partitioned import PartitionNode
from advisor.errors import AdvisorError
from advisor.model import TableRef
from advisor.plan_file import PlannedIndex

log = logging.getLogger(__name__)

Say = Callable[[str], None]
Sleep = Callable[[float], None]
_KINDS = {"r": "table", "v": "view", "m": "materialized view", "S": "sequence", "i": "index",
          "I": "partitioned index", "p": "partitioned table", "f": "foreign table"}  # fmt: skip


class BuildInterrupted(Exception):
    """Ctrl-C or a lost connection stopped the apply; ``result`` says what was cleaned up."""

    def __init__(self, result: IndexResult, cause: BaseException) -> None:
        super().__init__(result.message)
        self.result = result
        self.cause = cause


@dataclass(frozen=True)
class Decision:
    """What to do with one planned index, from the catalog as it is now."""

    schema: str | None
    action: str  # "create", "rebuild", "resume", "skip" or "fail"
    message: str = ""
    tree: PartitionNode | None = None  # the partitions, when the table is partitioned


def decide(conn: psycopg.Connection[Any], index: PlannedIndex) -> Decision:
    schema = index.schema or catalog.table_schema(conn, index.table)
    if schema is None:
        return Decision(None, "fail", f"table {ddl.display(index.table)} not found")
    table = ddl.display(schema, index.table)
    tree = catalog.partition_tree(conn, TableRef(schema, index.table))
    state = catalog.index_state(conn, schema, index.name)
    if state is None:
        return Decision(schema, "create", tree=tree)
    if not state.indexes(schema, index.table, partitioned=tree is not None):
        what = _KINDS.get(state.kind, "relation")
        if state.kind in ("i", "I"):
            what = f"index on {ddl.display(state.table_schema or '', state.table_name or '')}"
        return Decision(
            schema, "fail", f"the name {index.name} is taken by a {what} in schema {schema}"
        )
    if state.building_pid is not None:
        return Decision(
            schema, "fail", f"backend {state.building_pid} is building {index.name} right now"
        )
    if state.is_valid:
        message = f"already exists on {table} and is valid"
        if state.definition and not same_definition(state.definition, index.create_sql):
            message += f"; check it is the planned one, it reads: {state.definition}"
        return Decision(schema, "skip", message, tree)
    if tree is not None:
        return Decision(
            schema, "resume", "it is there, INVALID: an earlier apply stopped before every "
            "partition had its index; attaching the rest", tree,
        )  # fmt: skip
    return Decision(schema, "rebuild", "an INVALID index of that name (a failed build) is there")


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g}s" if ms >= 1000 else f"{ms}ms"


@contextlib.contextmanager
def _sigint_deferred(say: Say) -> Iterator[list[bool]]:
    """Hold Ctrl-C while cleaning up (main thread only); the list says whether it was pressed."""
    pressed: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return

    def hold(_signum: int, _frame: object) -> None:
        pressed.append(True)
        say("still dropping the INVALID index, please wait")

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


class Builder:
    """Builds planned indexes one at a time on one writing connection."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        dsn: str | None,
        options: ApplyOptions,
        *,
        sink: ProgressSink | None = None,
        say: Say = lambda _msg: None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.conn = conn
        self.dsn = dsn
        self.options = options
        self.sink = sink
        self.say = say
        self.sleep = sleep
        self.interrupt_requested = False  # Ctrl-C arrived while a cleanup held it

    def close(self) -> None:
        if not self.conn.closed:
            self.conn.close()

    # -- one index ---------------------------------------------------------------------------

    def apply(self, index: PlannedIndex, decision: Decision | None = None) -> IndexResult:
        """Build one index on a table that is not partitioned (see ``apply.partitioned``)."""
        started = time.monotonic()
        decision = decision or decide(self.conn, index)
        if decision.action == "fail":
            return IndexResult(index, decision.schema, Outcome.FAILED, message=decision.message)
        schema = decision.schema
        assert schema is not None
        if decision.action == "skip":
            return IndexResult(index, schema, Outcome.SKIPPED, message=decision.message, valid=True)
        outcome = Outcome.CREATED
        if decision.action == "rebuild":
            self.say(f"{index.name}: {decision.message}: dropping it, then building it again")
            leftover = self._cleanup(schema, index.name)
            if leftover:
                return IndexResult(index, schema, Outcome.FAILED, message=leftover, leftover=True)
            outcome = Outcome.REBUILT
        return self._build(index, schema, outcome, started)

    def _build(
        self, index: PlannedIndex, schema: str, outcome: Outcome, started: float
    ) -> IndexResult:
        table = ddl.display(schema, index.table)
        attempts = 0

        def failed(
            message: str, leftover: str | None, as_: Outcome = Outcome.FAILED
        ) -> IndexResult:
            return IndexResult(
                index, schema, as_, attempts=attempts, seconds=time.monotonic() - started,
                message=f"{message}; {leftover}" if leftover else message,
                leftover=bool(leftover),
            )  # fmt: skip

        while True:
            attempts += 1

            try:
                self._create(index)
            except (errors.LockNotAvailable, errors.DeadlockDetected) as exc:
                leftover = self._cleanup(schema, index.name)
                if leftover or attempts > self.options.retries:
                    what = (
                        "lock_timeout" if isinstance(exc, errors.LockNotAvailable) else "deadlock"
                    )
                    return failed(
                        f"{what} ({_seconds(self.options.lock_timeout_ms)}) on all {attempts} "
                        f"attempts: another session holds a lock that conflicts with building an "
                        f"index on {table}, or a long transaction is open (see pg_locks)",
                        leftover,
                    )
                delay = self.options.delay_ms(attempts)
                self.say(
                    f"{index.name}: lock wait on {table} exceeded "
                    f"{_seconds(self.options.lock_timeout_ms)}; retry {attempts} of "
                    f"{self.options.retries} in {_seconds(delay)}"
                )
                self._sleep_or_interrupt(index, schema, delay, attempts, started)
                continue
            except errors.QueryCanceled as exc:
                reason = session.safe_message(exc)
                if "statement timeout" in reason:
                    reason = (
                        f"the build took longer than the --statement-timeout cap of "
                        f"{_seconds(self.options.statement_timeout_ms)}"
                    )
                return failed(f"build cancelled ({reason})", self._cleanup(schema, index.name))
            except psycopg.OperationalError as exc:
                if not self.conn.broken and not self.conn.closed:
                    return failed(session.safe_message(exc), self._cleanup(schema, index.name))
                reason = f"connection lost during the build: {session.safe_message(exc)}"
                result = failed(reason, self._cleanup(schema, index.name), Outcome.INTERRUPTED)
                raise BuildInterrupted(result, exc) from None
            except psycopg.Error as exc:
                return failed(session.safe_message(exc), self._cleanup(schema, index.name))
            except KeyboardInterrupt as exc:
                result = failed(
                    "interrupted", self._cleanup(schema, index.name), Outcome.INTERRUPTED
                )
                raise BuildInterrupted(result, exc) from None
            return self._finish(index, schema, outcome, attempts, started)

    def _sleep_or_interrupt(
        self, index: PlannedIndex, schema: str, delay_ms: int, attempts: int, started: float
    ) -> None:
        try:
            self.sleep(delay_ms / 1000)
        except KeyboardInterrupt as exc:
            result = IndexResult(
                index, schema, Outcome.INTERRUPTED, attempts=attempts,
                seconds=time.monotonic() - started, message="interrupted while waiting to retry",
            )  # fmt: skip
            raise BuildInterrupted(result, exc) from None

    def _create(self, index: PlannedIndex) -> None:
        statement = sql.SQL(index.create_sql)  # one CREATE INDEX, checked by source.checked
        if self.sink is None:
            self.conn.execute(statement)
            return
        self.sink.begin(index.name)
        try:
            with Monitor(self.dsn, self.conn.info.backend_pid, self.sink,
                         self.options.poll_interval_s):  # fmt: skip
                self.conn.execute(statement)
        finally:
            self.sink.end()

    def _finish(
        self, index: PlannedIndex, schema: str, outcome: Outcome, attempts: int, started: float
    ) -> IndexResult:
        state = catalog.index_state(self.conn, schema, index.name)
        valid = state is not None and state.is_valid
        if not valid:
            leftover = self._cleanup(schema, index.name)
            message = "the build finished but the index is not valid; dropped it"
            return IndexResult(
                index, schema, Outcome.FAILED, attempts=attempts,
                seconds=time.monotonic() - started,
                message=leftover or message, valid=False, leftover=bool(leftover),
            )  # fmt: skip
        return IndexResult(
            index, schema, outcome, attempts=attempts, seconds=time.monotonic() - started,
            valid=True,
        )  # fmt: skip

    def gather_statistics(self, result: IndexResult) -> IndexResult:
        """``ANALYZE`` the table of an index on expressions that this apply just built, so the
        planner knows the expressions' values before the statements are planned or timed again.
        A failure is said and recorded, but the index stays."""
        if result.outcome not in (Outcome.CREATED, Outcome.REBUILT) or result.schema is None:
            return result
        if not on_expressions(result.index):
            return result
        conn = self.writer()
        table = ddl.display(result.schema, result.index.table)
        try:
            conn.execute(ddl.analyze(result.schema, result.index.table))
        except psycopg.Error as exc:
            why = f"ANALYZE {table} failed ({session.safe_message(exc)}): run it by hand"
            self.say(f"{result.index.name}: {why}")
            message = f"{result.message}; {why}" if result.message else why
            return dataclasses.replace(result, message=message)
        self.say(f"{result.index.name}: analysed {table} for the statistics of its expressions")
        return dataclasses.replace(result, analyzed=True)

    # -- cleanup -----------------------------------------------------------------------------

    def writer(self) -> psycopg.Connection[Any]:
        """The writing connection, opened again when the old one broke."""
        if self.conn.closed or self.conn.broken:
            self.conn.close()
            self.conn = session.connect(
                self.dsn,
                statement_timeout_ms=self.options.statement_timeout_ms,
                lock_timeout_ms=self.options.lock_timeout_ms,
                read_only=False,
            )
        return self.conn

    def take_back(self, schema: str, name: str) -> str | None:
        """Drop the valid index ``name`` that this apply built (``--validate`` found it makes a
        statement slower). None when it is gone, else what to run by hand."""
        return self._cleanup(schema, name, valid_too=True)

    def _cleanup(self, schema: str, name: str, *, valid_too: bool = False) -> str | None:
        """Drop ``name`` if it is INVALID (or ``valid_too``). None when nothing is left, else
        what to run by hand."""
        drop = ddl.drop_index(schema, name, concurrently=True, if_exists=True)
        what = "the index" if valid_too else "an INVALID index"
        manual = f"left {what}: run {drop.as_string(None)}"
        with _sigint_deferred(self.say) as pressed:
            try:
                left = self._drop_with_retries(schema, name, drop, valid_too=valid_too)
            except AdvisorError as exc:  # could not even reconnect
                log.debug("cleanup failed: %s", exc)
                left = True
            except psycopg.Error as exc:
                log.debug("cleanup failed: %s", session.safe_message(exc))
                left = True
        if pressed:
            self.interrupt_requested = True  # honoured by the caller once this index is done
        return manual if left else None

    def _drop_with_retries(
        self, schema: str, name: str, drop: sql.Composed, *, valid_too: bool = False
    ) -> bool:
        """True when an INVALID index (or with ``valid_too``, any) is still there after the
        retries."""
        for attempt in range(1, self.options.retries + 2):
            conn = self.writer()
            state = catalog.index_state(conn, schema, name)
            if state is None or state.kind != "i" or (state.is_valid and not valid_too):
                return False
            try:
                conn.execute(drop)
                self.say(f"{name}: dropped the {'' if valid_too else 'INVALID '}index")
                return False
            except (errors.LockNotAvailable, errors.DeadlockDetected):
                if attempt > self.options.retries:
                    return True
                self.sleep(self.options.delay_ms(attempt) / 1000)
        return True
