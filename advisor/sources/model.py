"""What a workload source hands on: a ``Statement`` plus the facts only some sources know.

``advisor.model.Statement`` carries what pg_stat_statements measures (calls, times). Logs and live
sessions know more: the statement with its real constants, that it was cancelled by a timeout,
the plan ``auto_explain`` logged. ``SourcedStatement`` keeps those beside the statement, so that
sources can be merged by fingerprint before the pipeline sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.model import Statement

# Source labels, in the order a merged statement lists them (and prefers their query text).
PG_STAT_STATEMENTS = "pg_stat_statements"
LOG = "log"
ACTIVITY = "activity"
FILE = "file"
QUERY = "query"
SOURCE_ORDER = (PG_STAT_STATEMENTS, LOG, ACTIVITY, FILE, QUERY)


@dataclass(frozen=True)
class SourcedStatement:
    """One statement (one fingerprint) as one or several sources saw it.

    ``statement.calls`` and ``statement.total_exec_ms`` include the statements cancelled by a
    timeout: ``timeouts`` of the calls were cancelled, and ``timeout_ms`` of the time is the
    timeout they ran into (each ran at least that long). ``samples`` are texts with the real
    constants, as run. ``logged_plan`` is the plan ``auto_explain`` logged for the slowest run:
    its JSON document (keys ``"Query Text"``, ``"Plan"``, ...) for ``log_format = json``, or
    ``{"Query Text": ..., "Plan Text": ...}`` for the text format; both with ``"Duration"`` (ms).
    """

    statement: Statement
    fingerprint: str
    samples: tuple[str, ...] = ()
    timeouts: int = 0
    timeout_ms: float = 0.0
    sources: tuple[str, ...] = ()
    logged_plan: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def completed_calls(self) -> int:
        """Calls that ran to completion (not cancelled by a timeout)."""
        return self.statement.calls - self.timeouts

    @property
    def completed_ms(self) -> float:
        """Measured time of the completed calls."""
        return self.statement.total_exec_ms - self.timeout_ms


def source_label(sources: tuple[str, ...]) -> str:
    """``Statement.source`` of a statement seen by several sources: ``pg_stat_statements+log``."""
    return "+".join(sources)


def ordered_sources(sources: set[str] | tuple[str, ...]) -> tuple[str, ...]:
    known = [s for s in SOURCE_ORDER if s in sources]
    return tuple(known + sorted(s for s in sources if s not in SOURCE_ORDER))
