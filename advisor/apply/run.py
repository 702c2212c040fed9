"""The whole apply: preflight, each index in turn, re-planning, the record. Also ``--dry-run``.

The writing session has ``statement_timeout`` off (or the ``--statement-timeout`` cap) and
``lock_timeout`` set, runs in autocommit (``CONCURRENTLY`` cannot run in a transaction block)
and builds one index at a time (on a partitioned table, one partition's index at a time:
``apply.partitioned``). A hot standby is refused before anything runs.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from psycopg import sql

from advisor.apply import build, catalog, partitioned, validate, verify
from advisor.apply.build import Builder, BuildInterrupted, Say, Sleep, decide
from advisor.apply.errors import ApplyInterrupted
from advisor.apply.model import ApplyOptions, ApplyResult, IndexResult, Outcome
from advisor.apply.monitor import ProgressSink
from advisor.apply.record import Recorder
from advisor.apply.source import Source, on_expressions
from advisor.apply.validate import Validator
from advisor.db import ddl, session
from advisor.errors import AdvisorError, ConnectionFailed
from advisor.plan_file import PlannedIndex
from advisor.report.fmt import plural


def _quiet(_message: str) -> None:
    pass


def apply(
    dsn: str | None,
    source: Source,
    options: ApplyOptions,
    *,
    progress: ProgressSink | None = None,
    say: Say = _quiet,
    recorders: Sequence[Recorder] = (),
    sleep: Sleep = time.sleep,
    validator: Validator | None = None,
) -> ApplyResult:
    """Build every index of ``source``; the result says what happened to each.

    With a ``validator`` (``--validate``), the statements each index changes are timed right
    before and after its build, and an index that makes one of them slower is dropped again
    (``apply.validate``). Failed indexes do not stop the others. Ctrl-C raises
    ``ApplyInterrupted`` and a lost connection ``ConnectionFailed``, both after the INVALID index
    is dropped and the apply recorded.
    """
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    conn = session.connect(
        dsn,
        statement_timeout_ms=options.statement_timeout_ms,
        lock_timeout_ms=options.lock_timeout_ms,
        read_only=False,
    )
    builder = Builder(conn, dsn, options, sink=progress, say=say, sleep=sleep)
    try:
        server = catalog.server_state(conn)
        catalog.check_not_standby(server.in_recovery)
        forced = catalog.check_plan_is_for(source, server, force=options.force)
        if forced:
            say(f"--force: {forced}; building it here anyway")

        def finish(results: Sequence[IndexResult], status: str) -> ApplyResult:
            result = ApplyResult(
                started_at=started_at,
                database=server.database,
                source=str(source.path),
                results=tuple(results),
                status=status,
                elapsed_seconds=time.monotonic() - started,
            )
            for recorder in recorders:
                recorder.record(result)
            return result

        results: list[IndexResult] = []
        try:
            if validator is not None:
                timed = validator.start(source.indexes)
                say(f"--validate: timed {plural(timed, 'statement')} that read the tables")
            for index in source.indexes:
                if validator is not None and validator.last and _judged(builder, index):
                    again = validator.refresh(index)  # its "before", seconds before the build
                    if again:
                        say(f"--validate: timed {plural(again, 'statement')} again before "
                            f"building {index.name}")  # fmt: skip
                results.append(partitioned.apply_index(builder, index))
                if builder.interrupt_requested:
                    raise KeyboardInterrupt
                results[-1] = builder.gather_statistics(results[-1])
                if validator is not None and validator.last:
                    results[-1] = _validated(builder, validator, results[-1], say)
            checked, problem = verify.replan_quietly(
                dsn, server.version_num, [r.index for r in results if r.valid]
            )
        except BuildInterrupted as stop:
            finish([*results, stop.result], "interrupted")
            raise _stopped(stop) from None
        except AdvisorError:  # --validate lost its session: what was built is recorded
            finish(results, "interrupted")
            raise
        except KeyboardInterrupt:  # between builds, or held during a cleanup
            finish(results, "interrupted")
            left = next((r.message for r in results if r.leftover), "no INVALID index left behind")
            raise ApplyInterrupted(
                f"interrupted after {len(results)} of {len(source.indexes)} indexes: {left}"
            ) from None
        if problem:
            say(f"could not re-plan the statements: {problem}")
        final = [dataclasses.replace(r, checks=checked.get(r.index.name, ())) for r in results]
        failed = any(r.outcome is Outcome.FAILED for r in final)
        return finish(final, "failed" if failed else "ok")
    finally:
        builder.close()


def _judged(builder: Builder, index: PlannedIndex) -> bool:
    """Whether ``index`` is about to be built and then judged: not one that exists already, that
    cannot be built, or on a partitioned table (``_validated``). Only then is a fresh "before"
    worth its runs. ``apply_index`` looks at the catalog again afterwards: the refresh takes a
    while, and what it finds then is what counts."""
    decision = decide(builder.conn, index)
    return decision.tree is None and decision.action in ("create", "rebuild")


def _validated(
    builder: Builder, validator: Validator, result: IndexResult, say: Say
) -> IndexResult:
    """``result`` with the timings of the statements it changed; taken back (dropped again)
    when one of them got slower."""
    if result.outcome not in (Outcome.CREATED, Outcome.REBUILT) or result.schema is None:
        return result  # not built by this apply: what it does was there before
    if result.partitioned:
        validator.unjudged()  # built all the same: the times taken before it are older now
        say(f"{result.qualified_name}: not validated: an index on a partitioned table cannot "
            "be dropped CONCURRENTLY")  # fmt: skip
        return result
    timings = validator.after(result.index.name)
    worst = validate.verdict(timings, validator.options)
    if worst is None:
        validator.keep(timings)
        return dataclasses.replace(result, timings=timings)
    why = validate.describe(worst, validator.options)
    left = builder.take_back(result.schema, result.index.name)
    if left:
        return dataclasses.replace(result, timings=timings, message=f"{why}; {left}")
    return dataclasses.replace(
        result, outcome=Outcome.REVERTED, valid=None, timings=timings, message=why
    )


def _stopped(stop: BuildInterrupted) -> AdvisorError:
    """The one-line error for an apply that Ctrl-C or a lost connection stopped."""
    result = stop.result
    told = result.leftover or result.partitioned  # the message says what is left
    left = result.message if told else "no INVALID index left behind"
    if isinstance(stop.cause, KeyboardInterrupt):
        return ApplyInterrupted(f"interrupted while building {result.qualified_name}: {left}")
    if told:
        return ConnectionFailed(f"{result.message} (building {result.qualified_name})")
    return ConnectionFailed(f"{result.message}; {left}")


def summary(result: IndexResult) -> str:
    """One line per index for the terminal."""
    name = result.qualified_name
    if result.outcome is Outcome.SKIPPED:
        return f"skipped {name}: {result.message}"
    if result.outcome in (Outcome.FAILED, Outcome.INTERRUPTED):
        return f"{result.outcome} {name}: {result.message}"
    if result.outcome is Outcome.REVERTED:
        return f"reverted {name}: built in {result.seconds:.1f} s, dropped again: {result.message}"
    if result.partitioned:
        return f"{result.outcome} {name} in {result.seconds:.1f} s, valid, {result.message}"
    tries = "1 attempt" if result.attempts == 1 else f"{result.attempts} attempts"
    return f"{result.outcome} {name} in {result.seconds:.1f} s ({tries}), valid"


def planner_line(result: IndexResult) -> str | None:
    """Whether the planner uses the index for the statements it was meant for."""
    if not result.checks:
        return None
    used = [c for c in result.checks if c.uses_index]
    line = (
        f"  the planner uses {result.index.name} for {len(used)} of {len(result.checks)} "
        "statements it was meant for"
    )
    unplanned = [c for c in result.checks if c.uses_index is None]
    if unplanned:
        line += f" ({len(unplanned)} could not be planned: {unplanned[0].reason})"
    return line


def timing_line(result: IndexResult, options: validate.ValidateOptions) -> str | None:
    """What ``--validate`` measured for an index it kept."""
    if not result.timings or result.outcome is Outcome.REVERTED:
        return None
    ratios = [t.ratio(options.timeout_ms) for t in result.timings]
    faster = sum(r < 1.0 / (1.0 + options.max_slowdown) for r in ratios)
    line = (
        f"  ran the {plural(len(ratios), 'statement')} it changes before and after: "
        f"{faster} faster, {len(ratios) - faster} about the same"
    )
    worst = validate.verdict(result.timings, options)
    if worst is not None:  # kept because it could not be dropped: the message says so
        line += f"; slower: {validate.describe(worst, options)}"
    return line


def unused_after_build(result: IndexResult) -> bool:
    """Built, re-planned, and the planner uses it for none of the statements it was meant for
    (statements that could not be planned prove nothing either way)."""
    planned = [c for c in result.checks if c.uses_index is not None]
    return (
        result.outcome in (Outcome.CREATED, Outcome.REBUILT)
        and bool(planned)
        and not any(c.uses_index for c in planned)
    )


def _set(name: str, ms: int) -> sql.Composed:
    return sql.SQL("SET {} = {}").format(ddl.Name(name), sql.Literal(f"{ms}ms"))


def dry_run(dsn: str | None, source: Source, options: ApplyOptions) -> list[str]:
    """What ``apply`` would run, as SQL with comments, from a read-only look at the catalog."""
    conn = session.connect(dsn, statement_timeout_ms=10_000, lock_timeout_ms=1_000)
    try:
        server = catalog.server_state(conn)
        catalog.check_not_standby(server.in_recovery)
        foreign = catalog.foreign_plan(source, server)
        lines = [
            f"-- advisor apply --dry-run: {plural(len(source.indexes), 'index')} from "
            f"{source.path} on database {server.database}; nothing is run",
            *([f"-- {foreign}: apply refuses it without --force"] if foreign else []),
            f"{_set('lock_timeout', options.lock_timeout_ms).as_string(conn)};  -- retried "
            f"{options.retries} times, first after {options.retry_delay_ms}ms, doubling",
            f"{_set('statement_timeout', options.statement_timeout_ms).as_string(conn)};"
            "  -- 0: no cap",
        ]
        for name in source.ignored:
            lines.append(f"-- ignored {name}: not a single CREATE INDEX")
        for index in source.indexes:
            decision = build.decide(conn, index)
            lines.append(f"-- {index.origin or index.name}")
            if decision.action in ("fail", "skip"):
                lines.append(f"-- {decision.action}: {decision.message}")
                continue
            assert decision.schema is not None
            if decision.tree is not None:
                lines += partitioned.dry_run(conn, index, decision)
            else:
                if decision.action == "rebuild":
                    lines.append(f"-- {decision.message}")
                    drop = ddl.drop_index(decision.schema, index.name, concurrently=True,
                                          if_exists=True)  # fmt: skip
                    lines.append(f"{drop.as_string(conn)};")
                lines.append(f"{index.create_sql};")
            if on_expressions(index):
                analyze = ddl.analyze(decision.schema, index.table).as_string(conn)
                lines.append(f"{analyze};  -- statistics on the index's expressions")
        return lines
    finally:
        conn.close()
