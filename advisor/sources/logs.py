"""Workload from server logs: completed statements, auto_explain plans and timeouts.

What the log must contain (see docs/workload-sources.md):

- ``log_min_duration_statement``: ``duration: 12.3 ms  statement: ...`` (simple protocol, the
  statement with its constants; for an SQL ``EXECUTE`` the prepared statement from the DETAIL,
  with the arguments as the sample's values) and ``duration: 12.3 ms  execute <name>: ...``
  (``<unnamed>``, ``S_1``, or ``S_1/C_1`` with a portal) with a ``parameters: $1 = '42'`` DETAIL
  (extended protocol; the parameters give the sample, the statement is planned with its ``$n``).
  The ``parse`` and ``bind`` lines of the same execution are not counted, nor ``execute fetch
  from`` (more rows of a counted run).
- ``log_statement`` lines: paired with ``log_duration``'s bare ``duration:`` lines; alone, each is
  a call without a measured time (the pipeline weighs such statements by their planner cost).
- ``auto_explain``: ``duration: 12.3 ms  plan:`` with the query text and the plan, text or JSON.
  When the same run is also logged by ``log_min_duration_statement``, the two are one call.
- Statements cancelled by ``statement_timeout`` or ``lock_timeout``: the ``ERROR:  canceling
  statement due to statement timeout`` with its ``STATEMENT`` (``log_min_error_statement`` at
  ``error`` or lower, the default). pg_stat_statements never sees these; here each counts as a
  call that took the timeout: the session's ``SET statement_timeout`` when the log shows it, else a
  ``parameter "statement_timeout" changed`` line, else the value given (60 s by default).

Runs are grouped by the parser's fingerprint; utility statements (SET, BEGIN, DDL) are left out,
and so are the advisor's own sessions (``application_name`` = advisor) where the log says so.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.db.session import APPLICATION_NAME
from advisor.sources import sqltext
from advisor.sources.logread import LogFormat, LogRecord, read_records
from advisor.sources.logsettings import ServerLogSettings
from advisor.sources.model import LOG, SourcedStatement
from advisor.sources.tally import Tally

log = logging.getLogger(__name__)

DEFAULT_STATEMENT_TIMEOUT_MS = 60_000.0
# Runs waiting for the next record of their session (its duration, plan or cancellation), at most:
# a log of many short sessions is read in bounded memory. A run's records follow each other
# closely in its session, so the oldest waiting run is complete long before it is counted.
MAX_PENDING = 10_000

_DURATION = re.compile(r"duration: (?P<ms>\d+(?:\.\d+)?) ms(?:  (?P<rest>.*))?\Z", re.DOTALL)
_STATEMENT = re.compile(r"statement: (?P<sql>.*)\Z", re.DOTALL)
_EXECUTE = re.compile(r"execute (?P<fetch>fetch from )?[^:\n]*: (?P<sql>.*)\Z", re.DOTALL)
_PLAN = re.compile(r"plan:\n?(?P<plan>.*)\Z", re.DOTALL)
_CANCEL = re.compile(r"canceling statement due to (?P<kind>statement|lock) timeout")
_CHANGED = re.compile(
    r'parameter "(?P<name>statement_timeout|lock_timeout)" changed to "(?P<v>[^"]*)"'
)
_PLAN_LINE = re.compile(r"\s\s\((?:cost=\d|actual (?:time|rows)=)")
_QUERY_PARAMS = "Query Parameters: "


@dataclass
class _Run:
    """One execution as the log shows it; up to four records describe it."""

    text: str | None
    parts: frozenset[str]  # statement (log_statement), duration, plan, timeout
    duration_ms: float | None = None
    plan_ms: float | None = None
    timeout: str | None = None  # "statement_timeout" or "lock_timeout"
    timeout_ms: float | None = None  # the timeout in effect when it was cancelled
    params: dict[int, str] = field(default_factory=dict)
    params_text: str | None = None  # "parameters: $1 = ..." not yet parsed (only for a sample)
    plan: dict[str, Any] | None = None
    query_id: int | None = None
    fetch: bool = False

    def fits(self, later: _Run) -> bool:
        """Whether ``later`` describes the same execution as this one."""
        if self.parts & later.parts or self.text is None or self.fetch or later.fetch:
            return False
        if (self.timeout or later.timeout) and {"duration", "plan"} & (self.parts | later.parts):
            return False
        if later.text is None:
            return True
        return sqltext.fingerprint(self.text) == sqltext.fingerprint(later.text)

    def join(self, later: _Run) -> _Run:
        return _Run(
            text=self.text if self.text is not None else later.text,
            parts=self.parts | later.parts,
            duration_ms=self.duration_ms if self.duration_ms is not None else later.duration_ms,
            plan_ms=self.plan_ms if self.plan_ms is not None else later.plan_ms,
            timeout=self.timeout or later.timeout,
            timeout_ms=self.timeout_ms if self.timeout_ms is not None else later.timeout_ms,
            params=self.params or later.params,
            params_text=self.params_text or later.params_text,
            plan=self.plan or later.plan,
            query_id=self.query_id or later.query_id,
        )


def parse_plan(body: str, duration_ms: float) -> tuple[str, dict[str, Any]] | None:
    """An auto_explain body (after ``plan:``) -> (query text, plan document); None if unknown."""
    text = body.strip("\n")
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("Query Text"), str):
            return None
        doc["Duration"] = duration_ms
        return str(doc["Query Text"]), doc
    if not text.startswith("Query Text: "):
        return None  # YAML or XML format: not read
    lines = text[len("Query Text: ") :].split("\n")
    start = next((i for i, line in enumerate(lines) if _PLAN_LINE.search(line)), 1)
    query_lines = lines[:start]
    params = ""
    if query_lines and query_lines[-1].startswith(_QUERY_PARAMS):  # PostgreSQL 16+
        params = query_lines.pop()[len(_QUERY_PARAMS) :]
    query = "\n".join(query_lines)
    found: dict[str, Any] = {
        "Query Text": query,
        "Plan Text": "\n".join(lines[start:]),
        "Duration": duration_ms,
    }
    if params:
        found["Query Parameters"] = params
    return query, found


class LogWorkload:
    """Reads records in log order and counts the statements they show.

    Feed it with ``read(records)`` (several files in time order), then take ``result()``.
    """

    def __init__(
        self,
        *,
        database: str | None = None,
        statement_timeout_ms: float | None = None,
        lock_timeout_ms: float | None = None,
        max_samples: int = 3,
        exclude_applications: Sequence[str] = (APPLICATION_NAME,),
    ) -> None:
        self.database = database
        self.defaults = {
            "statement_timeout": statement_timeout_ms or DEFAULT_STATEMENT_TIMEOUT_MS,
            "lock_timeout": lock_timeout_ms or 0.0,
        }
        self.exclude = set(exclude_applications)
        self.tally = Tally(LOG, max_samples=max_samples)
        self.records = 0
        self.first_time: float | None = None
        self.last_time: float | None = None
        self.unattributed_timeouts = 0
        self.unnamed_database = 0  # statement records kept without knowing their database
        self.other_databases: Counter[str] = Counter()  # records left out, by database
        self.this_database = 0  # records that name the analysed database
        self._pending: dict[str | None, _Run] = {}
        self._server: dict[str, float] = {}
        self._session: dict[str | None, dict[str, float | None]] = {}
        self._kind: dict[str, bool] = {}

    @property
    def span_seconds(self) -> float | None:
        """Time between the first and the last timestamped record read: the period the counts
        cover (for time saved per week). None when the lines carry no timestamp."""
        if self.first_time is None or self.last_time is None:
            return None
        return self.last_time - self.first_time

    # -- records -> runs ----------------------------------------------------------------------

    def read(self, records: Iterable[LogRecord]) -> None:
        for record in records:
            self.records += 1
            if record.time is not None:
                if self.first_time is None or record.time < self.first_time:
                    self.first_time = record.time
                if self.last_time is None or record.time > self.last_time:
                    self.last_time = record.time
            unnamed = False
            if self.database is not None and record.database != self.database:
                if record.database is not None:
                    self.other_databases[record.database] += 1
                    continue
                unnamed = True
            elif self.database is not None:
                self.this_database += 1
            if record.application in self.exclude:
                continue
            run = self._run_of(record)
            if run is not None:
                self.unnamed_database += unnamed
                self._see(record.session, run)

    def _run_of(self, record: LogRecord) -> _Run | None:
        message = record.message
        if record.severity == "ERROR":
            cancel = _CANCEL.match(message)
            if cancel is None:
                return None
            context = record.context or ""
            if record.statement is None:
                self.unattributed_timeouts += 1
            return _Run(
                record.statement,
                frozenset({"timeout"}),
                timeout=f"{cancel.group('kind')}_timeout",
                params_text=context if "with parameters: " in context else None,
                query_id=record.query_id,
            )
        if record.severity != "LOG":
            return None
        changed = _CHANGED.match(message)
        if changed:
            ms = sqltext.duration_setting_ms(changed.group("v"))
            if ms:
                self._server[changed.group("name")] = ms
            return None
        duration = _DURATION.match(message)
        ms = float(duration.group("ms")) if duration else None
        rest = (duration.group("rest") or "") if duration else message
        if duration and not rest:  # log_duration: the statement was logged before
            return _Run(None, frozenset({"duration"}), duration_ms=ms)
        parts = frozenset({"duration"} if ms is not None else {"statement"})
        if match := _STATEMENT.match(rest):
            text = match.group("sql")
            prepared = sqltext.prepared_execute(text, record.detail) if record.detail else None
            if prepared is not None:  # SQL-level EXECUTE: the prepared statement is what ran
                text, params = prepared
                return _Run(text, parts, ms, params=params, query_id=record.query_id)
            return _Run(text, parts, ms, params_text=record.detail, query_id=record.query_id)
        if match := _EXECUTE.match(rest):  # parse and bind lines do not match: not counted
            return _Run(
                match.group("sql"), parts, ms, params_text=record.detail,
                query_id=record.query_id, fetch=bool(match.group("fetch")),
            )  # fmt: skip
        if ms is not None and (match := _PLAN.match(rest)):
            parsed = parse_plan(match.group("plan"), ms)
            if parsed is None:
                return None
            query, plan = parsed
            return _Run(
                query, frozenset({"plan"}), plan_ms=ms, params_text=plan.get("Query Parameters"),
                plan=plan, query_id=record.query_id,
            )  # fmt: skip
        return None  # parse/bind durations, other messages

    # -- runs -> executions -------------------------------------------------------------------

    def _see(self, session: str | None, run: _Run) -> None:
        if run.timeout is not None:
            run.timeout_ms = self._timeout_ms(session, run.timeout)
        elif run.text is not None:
            self._note_settings(session, run.text)
        pending = self._pending.pop(session, None)
        if pending is not None:
            if pending.fits(run):
                self._pending[session] = pending.join(run)
                return
            self._count(pending)
        if run.text is None and "timeout" in run.parts:
            self._count(run)  # a timeout without its statement text
        elif run.text is not None:
            self._pending[session] = run
            if len(self._pending) > MAX_PENDING:  # the least recently active session's run
                self._count(self._pending.pop(next(iter(self._pending))))

    def _note_settings(self, session: str | None, text: str) -> None:
        found = sqltext.timeout_set(text)
        if found is not None:
            name, ms = found
            self._session.setdefault(session, {})[name] = ms

    def _timeout_ms(self, session: str | None, name: str) -> float:
        value = self._session.get(session, {}).get(name)
        if not value:
            value = self._server.get(name)
        return value or self.defaults[name]

    def _count(self, run: _Run) -> None:
        if run.text is None:
            return
        if run.fetch:  # a later fetch from an open portal: not another call
            return
        texts = sqltext.split(run.text)
        if not texts:
            return
        share = len(texts)
        for text in texts:
            fp = sqltext.fingerprint(text)
            if fp not in self._kind:
                self._kind[fp] = sqltext.is_workload(text)
            if not self._kind[fp]:
                continue
            sample = None
            if share == 1 and (run.params or run.params_text) and self.tally.wants_sample(text):
                params = run.params or sqltext.parse_parameters(run.params_text or "")
                sample = sqltext.bind_parameters(text, params)
            ms = run.duration_ms if run.duration_ms is not None else run.plan_ms
            self.tally.add(
                text,
                ms / share if ms is not None else None,
                timeout_ms=run.timeout_ms if run.timeout else None,
                sample=sample,
                plan=run.plan,
                query_id=run.query_id if share == 1 else None,
            )

    def result(self) -> list[SourcedStatement]:
        for run in list(self._pending.values()):
            self._count(run)
        self._pending.clear()
        if self.unattributed_timeouts:
            log.warning(
                "%d statement timeouts in the log without their statement text "
                "(set log_min_error_statement = error)",
                self.unattributed_timeouts,
            )
        if self.database is not None and self.unnamed_database:
            log.warning(
                "%d logged statements do not name their database: they are read as this one's "
                "(a log_line_prefix with %%d names it, e.g. '%%m [%%p] %%q%%u@%%d '; "
                "or pass the file's prefix with --log-prefix)",
                self.unnamed_database,
            )
        if self.other_databases and not self.this_database:
            names = ", ".join(name for name, _ in self.other_databases.most_common(3))
            log.warning(
                "no log line of database %s: the logs name %s (a wrong --log-prefix?)",
                self.database,
                names,
            )
        return self.tally.result()


def read_logs(
    paths: Sequence[Path | str],
    *,
    fmt: LogFormat | str = LogFormat.auto,
    prefix: str | None = None,
    database: str | None = None,
    statement_timeout_ms: float | None = None,
    lock_timeout_ms: float | None = None,
    max_samples: int = 3,
    exclude_applications: Sequence[str] = (APPLICATION_NAME,),
    server: ServerLogSettings | None = None,
) -> list[SourcedStatement]:
    """The statements in server log files (``--log``), one per fingerprint, most time first.

    ``fmt`` is stderr, csvlog, jsonlog or auto (by name and content); ``prefix`` the
    ``log_line_prefix`` of the stderr format (default: ``server``'s if it fits, else recognised,
    else the severity markers after any prefix); ``server`` the connected server's settings.
    ``database`` keeps only that database's statements where the log line names it.
    ``statement_timeout_ms`` / ``lock_timeout_ms`` weigh cancelled statements when the log does
    not show the timeout in effect.
    """
    workload = LogWorkload(
        database=database,
        statement_timeout_ms=statement_timeout_ms,
        lock_timeout_ms=lock_timeout_ms,
        max_samples=max_samples,
        exclude_applications=exclude_applications,
    )
    for path in paths:
        workload.read(read_records(Path(path), LogFormat(fmt), prefix, server))
    statements = workload.result()
    log.info("%d log records: %d statements", workload.records, len(statements))
    return statements
