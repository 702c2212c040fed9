"""``advisor apply`` for an index on a partitioned table: every partition, never a write blocked.

The steps come from ``advisor.db.partitioned`` run on the partition tree as it is when apply
runs (a plan or migration may predate a partition). Each partition's index is built by the
``Builder`` with the care any index gets (lock retries, progress, dropped again if the build
fails, is cancelled or loses its connection), then attached; the ``ON ONLY`` and ``ATTACH``
steps are quick catalog changes, retried on lock timeouts like a build.

When a build fails or is interrupted, no INVALID partition index is left, but the parent's
index, created first, stays behind, INVALID: it has no storage, writes do not maintain it and
the planner ignores it (the partitions' indexes already attached are used). Running apply again
reads the tree again and does only what is missing; the last attach makes it valid.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import psycopg
from psycopg import errors, sql

from advisor.apply import catalog
from advisor.apply.build import Builder, BuildInterrupted, Decision, decide
from advisor.apply.model import IndexResult, Outcome
from advisor.catalog.names import IndexNames
from advisor.db import ddl, partitioned, session
from advisor.db.partitioned import Action, BuildPlan, Step
from advisor.model import TableRef
from advisor.plan_file import PlannedIndex
from advisor.report.fmt import plural


def apply_index(builder: Builder, index: PlannedIndex) -> IndexResult:
    """Build ``index``: partition by partition on a partitioned table, else as ``Builder`` does."""
    decision = decide(builder.conn, index)
    if decision.tree is None or decision.action in ("fail", "skip"):
        return builder.apply(index, decision)
    return _Build(builder, index, decision).run()


def plan_for(conn: psycopg.Connection[Any], index: PlannedIndex, decision: Decision) -> BuildPlan:
    """The steps left for ``index`` on its partitioned table, from the live catalog."""
    assert decision.tree is not None and decision.schema is not None
    names = IndexNames(conn).taken_in  # the one naming authority
    hints: dict[TableRef, str] = {}
    for schema, table, name in index.partition_names:
        node = _find(decision.tree, schema, table)
        if node is not None:
            hints[node] = name
    return partitioned.plan(
        partitioned.Template(index.create_sql),
        decision.tree,
        index.name,
        partitioned.name_source(names, hints),
    )


def _find(tree: partitioned.PartitionNode, schema: str | None, table: str) -> TableRef | None:
    """The table of the tree a migration names, qualified or not."""
    if tree.table.name == table and schema in (None, tree.table.schema):
        return tree.table
    for child in tree.children:
        found = _find(child, schema, table)
        if found is not None:
            return found
    return None


def dry_run(conn: psycopg.Connection[Any], index: PlannedIndex, decision: Decision) -> list[str]:
    """What apply would run for ``index`` on its partitioned table, as SQL with comments."""
    build = plan_for(conn, index, decision)
    lines = [f"-- {decision.message}"] if decision.action == "resume" else []
    lines += [f"-- cannot finish: {problem}" for problem in build.problems]
    for step in build.steps:
        if step.reused:
            lines.append(f"-- {step.table} already has {step.name}, the same index: attached")
        lines.append(f"{step.sql};")
    return lines


class _Build:
    def __init__(self, builder: Builder, index: PlannedIndex, decision: Decision) -> None:
        self.builder = builder
        self.index = index
        self.decision = decision
        assert decision.schema is not None
        self.schema = decision.schema
        self.started = time.monotonic()
        self.parts: list[IndexResult] = []
        self.names: tuple[tuple[TableRef, str], ...] = ()  # each partition's index

    def result(self, outcome: Outcome, message: str, **extra: Any) -> IndexResult:
        names = tuple((t.schema, t.name, name) for t, name in self.names)
        return IndexResult(
            replace(self.index, partition_names=names or self.index.partition_names),
            self.schema, outcome, attempts=1, seconds=time.monotonic() - self.started,
            message=message, parts=tuple(self.parts), partitioned=True, **extra,
        )  # fmt: skip

    def stays_invalid(self) -> str:
        return (
            f"{ddl.display(self.schema, self.index.name)} stays INVALID (it has no storage) "
            "until apply runs again"
        )

    def run(self) -> IndexResult:
        if self.decision.action == "resume":
            self.builder.say(f"{self.index.name}: {self.decision.message}")
        build = plan_for(self.builder.conn, self.index, self.decision)
        self.names = build.partition_names
        if build.problems:
            return self.result(Outcome.FAILED, "; ".join(build.problems), valid=False)
        for step in build.steps:
            if self.builder.interrupt_requested:
                raise BuildInterrupted(
                    self.result(Outcome.INTERRUPTED, self._interrupted()), KeyboardInterrupt()
                )
            failure = self._build(step) if step.action is Action.BUILD else self._catalog(step)
            if failure is not None:
                return failure
        state = catalog.index_state(self.builder.writer(), self.schema, self.index.name)
        if state is None or not state.is_valid:
            return self.result(
                Outcome.FAILED,
                "every partition has its index attached, yet the index is not valid: "
                f"drop it ({ddl.drop_index(self.schema, self.index.name).as_string(None)}) "
                "and apply again",
                valid=False,
            )
        outcome = Outcome.RESUMED if self.decision.action == "resume" else Outcome.CREATED
        return self.result(outcome, self._summary(build), valid=True)

    def _summary(self, build: BuildPlan) -> str:
        built = sum(1 for p in self.parts if p.outcome in (Outcome.CREATED, Outcome.REBUILT))
        reused = len(build.reused)
        text = f"on {len(build.leaves)} leaf partitions: {built} built"
        if reused:
            text += f", {reused} existing index{'es' if reused != 1 else ''} attached"
        return text

    def _interrupted(self, detail: str = "") -> str:
        done = f"{plural(len(self.parts), 'partition index')} done"
        head = f"{detail}; " if detail else ""
        return f"{head}{done}, no INVALID partition index left behind; {self.stays_invalid()}"

    def _build(self, step: Step) -> IndexResult | None:
        leaf = PlannedIndex(
            step.table.schema, step.table.name, step.name, step.sql, drop_sql="",
            origin=f"{self.index.name} on {step.table}",
        )  # fmt: skip
        try:
            result = self.builder.apply(leaf)
        except BuildInterrupted as stop:
            self.parts.append(stop.result)
            if stop.result.leftover:
                message = f"{stop.result.message}; {self.stays_invalid()}"
                failed = self.result(Outcome.INTERRUPTED, message, leftover=True)
            else:
                failed = self.result(
                    Outcome.INTERRUPTED, self._interrupted(f"{leaf.name}: {stop.result.message}")
                )
            raise BuildInterrupted(failed, stop.cause) from None
        self.parts.append(result)
        if result.valid:
            return None
        return self.result(
            Outcome.FAILED,
            f"{ddl.display(step.table.schema, step.name)} on {step.table}: {result.message}; "
            f"{self.stays_invalid()}",
            valid=False,
            leftover=result.leftover,
        )

    def _catalog(self, step: Step) -> IndexResult | None:
        """An ON ONLY or ATTACH step: one quick statement, retried on lock timeouts."""
        options = self.builder.options
        attempt = 0
        while True:
            attempt += 1
            try:
                self.builder.writer().execute(sql.SQL(step.sql))  # composed by db.partitioned
                return None
            except (errors.LockNotAvailable, errors.DeadlockDetected):
                if attempt > options.retries:
                    return self.result(
                        Outcome.FAILED,
                        f"{step.sql}: could not get its lock in {attempt} attempts (see "
                        f"pg_locks); {self.stays_invalid()}",
                        valid=False,
                    )
                self.builder.sleep(options.delay_ms(attempt) / 1000)
            except psycopg.OperationalError as exc:
                reason = f"{step.sql}: {session.safe_message(exc)}"
                if not self.builder.conn.broken and not self.builder.conn.closed:
                    return self.result(Outcome.FAILED, f"{reason}; {self.stays_invalid()}")
                stopped = self.result(Outcome.INTERRUPTED, self._interrupted(reason))
                raise BuildInterrupted(stopped, exc) from None
            except psycopg.Error as exc:
                return self.result(
                    Outcome.FAILED,
                    f"{step.sql}: {session.safe_message(exc)}; {self.stays_invalid()}",
                    valid=False,
                )
            except KeyboardInterrupt as exc:  # one statement in autocommit: nothing half-done
                raise BuildInterrupted(
                    self.result(Outcome.INTERRUPTED, self._interrupted()), exc
                ) from None
