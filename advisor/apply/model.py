"""Frozen values of an apply: its options, and what happened to each index."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from advisor.plan_file import PlannedIndex


@dataclass(frozen=True)
class ApplyOptions:
    """How carefully to build. Durations in milliseconds; 0 means no limit."""

    lock_timeout_ms: int = 5_000
    retries: int = 5  # further attempts after a lock timeout
    retry_delay_ms: int = 1_000  # the first wait; it doubles on every retry
    max_retry_delay_ms: int = 60_000
    statement_timeout_ms: int = 0  # a cap on one build; 0: none
    poll_interval_s: float = 0.5  # how often progress is read
    force: bool = False  # build a plan made on another database or cluster

    def delay_ms(self, retry: int) -> int:
        """The wait before retry number ``retry`` (1-based): exponential, capped."""
        return int(min(self.retry_delay_ms * 2 ** (retry - 1), self.max_retry_delay_ms))


class Outcome(enum.StrEnum):
    CREATED = "created"
    REBUILT = "rebuilt"  # an INVALID index of that name was dropped, then built again
    SKIPPED = "skipped"  # it already exists and is valid: nothing to do
    RESUMED = "resumed"  # an index on a partitioned table that an earlier apply left unfinished
    FAILED = "failed"  # not built; no INVALID index left (unless ``leftover`` says so)
    INTERRUPTED = "interrupted"  # Ctrl-C or lost connection in the middle of the build
    REVERTED = "reverted"  # built, then dropped again: a statement ran slower with it (--validate)


@dataclass(frozen=True)
class StatementCheck:
    """A statement the index was meant for, planned again after the build."""

    queryid: int | None
    query: str
    uses_index: bool | None  # None: it could not be planned (see ``reason``)
    cost: float | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Timing:
    """A statement an index changes, run before and after its build (``apply --validate``):
    the fastest run of each side in ms, None when the timeout cut the run. ``before_ms`` is its
    latest time (with the indexes this apply kept so far, taken right before the build when an
    earlier build came between), ``first_ms`` its time before this apply built anything, and
    ``kept_ratio`` what the indexes kept so far did to it: the product of their own after/before
    ratios, each measured around its build."""

    query: str
    before_ms: float | None
    after_ms: float | None
    first_ms: float | None = None
    kept_ratio: float = 1.0

    def ratio(self, timeout_ms: float) -> float:
        """After over before, a run cut by the timeout counted at the timeout."""
        return _ratio(self.before_ms, self.after_ms, timeout_ms)

    @property
    def baseline_ms(self) -> float | None:
        """Its time before this apply built anything, as the builds' own ratios put it: the
        fresh ``before_ms`` undone of what the kept indexes did. Unlike ``first_ms``, measured
        minutes earlier, it does not move when the machine drifts during a long apply."""
        return None if self.before_ms is None else self.before_ms / max(self.kept_ratio, 1e-9)

    def ratio_to_first(self, timeout_ms: float) -> float:
        """After over the time before this apply built anything (``baseline_ms``)."""
        return _ratio(self.baseline_ms, self.after_ms, timeout_ms)

    def slower(self, max_slowdown: float, floor_ms: float) -> bool:
        """Slower than its latest time by more than the share ``max_slowdown`` and by more than
        ``floor_ms``: this index's own doing."""
        return _slower(self.before_ms, self.after_ms, max_slowdown, floor_ms)

    def slower_than_first(self, max_slowdown: float, floor_ms: float) -> bool:
        """Slower than before this apply built anything (``baseline_ms``), the same way: indexes
        that each stay within the tolerance can add up beyond it, and the last of them is the
        one to go."""
        return _slower(self.baseline_ms, self.after_ms, max_slowdown, floor_ms)


def _ratio(before_ms: float | None, after_ms: float | None, timeout_ms: float) -> float:
    before = timeout_ms if before_ms is None else before_ms
    after = timeout_ms if after_ms is None else after_ms
    return after / max(before, 1e-3)


def _slower(
    before_ms: float | None, after_ms: float | None, max_slowdown: float, floor_ms: float
) -> bool:
    if before_ms is None:  # at least the timeout before: it cannot have got slower
        return False
    if after_ms is None:  # under the timeout before, cut by it now
        return True
    return after_ms - before_ms > floor_ms and after_ms > before_ms * (1.0 + max_slowdown)


@dataclass(frozen=True)
class TakenBack:
    """An index ``apply --validate`` built and dropped again, as the apply log's latest word on
    it (``record.taken_back``): when, and why. ``analyze`` does not advise it again and the
    weekly report lists it."""

    definition: str  # its CREATE INDEX without name or options (``record.definition``)
    time: str
    why: str
    schema: str | None = None
    table: str = ""
    name: str = ""

    @property
    def table_name(self) -> str:
        """The table, schema-qualified where the log says the schema."""
        return f"{self.schema}.{self.table}" if self.schema else self.table

    @property
    def when(self) -> str:
        """The apply's time to the minute, as the reports show it."""
        return self.time[:16].replace("T", " ")

    def reason(self) -> str:
        return f"taken back by advisor apply --validate on {self.time[:10]}: {self.why}"


@dataclass(frozen=True)
class IndexResult:
    index: PlannedIndex
    schema: str | None
    outcome: Outcome
    attempts: int = 0
    seconds: float = 0.0
    message: str = ""
    valid: bool | None = None
    leftover: bool = False  # an INVALID index could not be dropped (the message says how)
    checks: tuple[StatementCheck, ...] = ()
    # on a partitioned table: what happened to each partition's index, in order
    parts: tuple[IndexResult, ...] = ()
    partitioned: bool = False
    timings: tuple[Timing, ...] = ()  # --validate: the statements it changed, before and after
    analyzed: bool = False  # its table was analysed after the build (an index on expressions)

    @property
    def qualified_name(self) -> str:
        from advisor.db.ddl import display

        return display(self.schema, self.index.name) if self.schema else self.index.name


@dataclass(frozen=True)
class ApplyResult:
    started_at: str
    database: str
    source: str
    results: tuple[IndexResult, ...]
    status: str  # "ok", "failed" or "interrupted"
    elapsed_seconds: float = 0.0
