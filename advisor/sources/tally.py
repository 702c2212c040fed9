"""Count executions per fingerprint: calls, time, timeouts, samples, the slowest logged plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from advisor.model import Statement
from advisor.sources import sqltext
from advisor.sources.model import SourcedStatement


@dataclass
class _Group:
    text: str
    calls: int = 0
    total_ms: float = 0.0
    timeouts: int = 0
    timeout_ms: float = 0.0
    samples: list[str] = field(default_factory=list)
    plan: dict[str, Any] | None = None
    query_ids: Counter[int] = field(default_factory=Counter)


class Tally:
    """Executions of one source, grouped by the parser's fingerprint.

    ``normalize`` replaces the constants of the shown text by ``$n`` (logs, live sessions), so it
    reads like pg_stat_statements; statements a user wrote keep their text (``normalize=False``).
    """

    def __init__(self, source: str, *, max_samples: int = 3, normalize: bool = True) -> None:
        self.source = source
        self.max_samples = max_samples
        self.normalize = normalize
        self._groups: dict[str, _Group] = {}

    def add(
        self,
        text: str,
        duration_ms: float | None,
        *,
        calls: int = 1,
        timeout_ms: float | None = None,
        sample: str | None = None,
        plan: dict[str, Any] | None = None,
        query_id: int | None = None,
    ) -> None:
        """Count ``calls`` executions of ``text``.

        ``duration_ms`` is their measured time (None: not measured). ``timeout_ms`` says they were
        cancelled by a timeout of that length (their weight). ``sample`` is the text with the
        real constants when ``text`` has ``$n`` parameters; a text without parameters is its own
        sample.
        """
        fp = sqltext.fingerprint(text)
        group = self._groups.get(fp)
        if group is None:
            group = self._groups[fp] = _Group(text)
        group.calls += calls
        if timeout_ms is not None:
            group.timeouts += calls
            group.timeout_ms += timeout_ms * calls
            group.total_ms += timeout_ms * calls
        elif duration_ms is not None:
            group.total_ms += duration_ms
        if sample is None and not sqltext.has_params(text):
            sample = text
        if (
            sample is not None
            and sample not in group.samples
            and len(group.samples) < self.max_samples
        ):
            group.samples.append(sample)
        if plan is not None and (
            group.plan is None or plan.get("Duration", 0.0) > group.plan.get("Duration", 0.0)
        ):
            group.plan = plan
        if query_id:
            group.query_ids[query_id] += calls

    def wants_sample(self, text: str) -> bool:
        """Whether a sample of ``text`` would still be kept (so it is worth making)."""
        group = self._groups.get(sqltext.fingerprint(text))
        return group is None or len(group.samples) < self.max_samples

    def __len__(self) -> int:
        return len(self._groups)

    def result(self) -> list[SourcedStatement]:
        """One ``SourcedStatement`` per fingerprint, most total time first."""
        out = []
        for fp, group in self._groups.items():
            query = sqltext.normalize(group.text) if self.normalize else group.text
            statement = Statement(
                queryid=None,
                queryids=tuple(sorted(group.query_ids)),
                query=query.strip(),
                calls=group.calls,
                total_exec_ms=group.total_ms,
                mean_exec_ms=group.total_ms / group.calls if group.calls else 0.0,
                source=self.source,
            )
            out.append(
                SourcedStatement(
                    statement=statement,
                    fingerprint=fp,
                    samples=tuple(group.samples),
                    timeouts=group.timeouts,
                    timeout_ms=group.timeout_ms,
                    sources=(self.source,),
                    logged_plan=group.plan,
                )
            )
        out.sort(key=lambda s: (-s.statement.total_exec_ms, -s.statement.calls))
        return out
