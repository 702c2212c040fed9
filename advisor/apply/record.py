"""The apply log: one JSON line per apply (time, plan, result), in a local file.

The default file is ``applies.jsonl`` beside the history store in the user's data directory
(``$XDG_DATA_HOME/pg-advisor/``, ``~/.local/share/pg-advisor/`` when unset, the platform's
folder on macOS and Windows). Anything with a ``record(result)`` method is a ``Recorder``:
the history store, when it records applies, plugs in beside the file (``command.recorders``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pglast import ast

from advisor.apply.model import ApplyResult, IndexResult, TakenBack
from advisor.db.ddl import create_index
from advisor.db.partitioned import normalized
from advisor.fileio import write_atomic
from advisor.history.store import default_store_path
from advisor.model import IndexSpec
from advisor.parse import syntax
from advisor.parse.syntax import Unparsable


class Recorder(Protocol):
    def record(self, result: ApplyResult) -> None: ...


def default_log_path() -> Path:
    return default_store_path().parent / "applies.jsonl"


def _index(result: IndexResult) -> dict[str, Any]:
    index = result.index
    return {
        "schema": result.schema,
        "table": index.table,
        "name": index.name,
        "origin": index.origin,
        "create_sql": index.create_sql,
        "outcome": str(result.outcome),
        "valid": result.valid,
        "attempts": result.attempts,
        "seconds": round(result.seconds, 3),
        "message": result.message,
        "invalid_left_behind": result.leftover,
        "analyzed": result.analyzed,
        "partitions": [_index(part) for part in result.parts],
        "statements": [
            {
                "queryid": c.queryid,
                "query": c.query,
                "uses_index": c.uses_index,
                "cost": c.cost,
                "reason": c.reason,
            }
            for c in result.checks
        ],
        "timings": [  # apply --validate: fastest run in ms before and after (null: timed out)
            {
                "query": t.query,
                "before_ms": t.before_ms,
                "after_ms": t.after_ms,
                "first_ms": t.first_ms,  # before the apply's first build
                "kept_ratio": t.kept_ratio,  # what the indexes kept before it did to it
            }
            for t in result.timings
        ],
    }


def entry(result: ApplyResult) -> dict[str, Any]:
    """The JSON object one apply is recorded as."""
    return {
        "time": result.started_at,
        "database": result.database,
        "source": result.source,
        "status": result.status,
        "elapsed_seconds": round(result.elapsed_seconds, 3),
        "indexes": [_index(r) for r in result.results],
    }


@dataclass(frozen=True)
class JsonLinesRecorder:
    """Appends one line per apply; the file is rewritten atomically, so no line is ever torn."""

    path: Path

    def record(self, result: ApplyResult) -> None:
        existing = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
        if existing and not existing.endswith("\n"):
            existing += "\n"
        write_atomic(self.path, existing + json.dumps(entry(result), default=str) + "\n")


def read_log(path: Path) -> list[dict[str, Any]]:
    """Every recorded apply, oldest first."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def definition(create_sql: str) -> str | None:
    """``create_sql`` as one comparable text: parsed, printed back without the index's name,
    ``CONCURRENTLY``, ``IF NOT EXISTS`` or ``ONLY`` (``partitioned.normalized``); None when it is
    not one CREATE INDEX."""
    try:
        statements = syntax.parse(create_sql)
    except Unparsable:
        return None
    if len(statements) != 1 or not isinstance(statements[0].stmt, ast.IndexStmt):
        return None
    return normalized(statements[0].stmt, name=False)


def taken_back(entries: Sequence[Mapping[str, Any]], database: str) -> dict[str, TakenBack]:
    """By definition, the indexes on ``database`` whose latest apply took them back: one built
    again later (or found there) by another apply is not."""
    latest: dict[str, TakenBack] = {}
    for entry in entries:
        if entry.get("database") != database:
            continue
        for index in entry.get("indexes") or ():
            text = definition(str(index.get("create_sql") or ""))
            if text is None:
                continue
            if index.get("outcome") == "reverted":
                latest[text] = TakenBack(
                    text, str(entry.get("time") or ""), str(index.get("message") or ""),
                    index.get("schema"), str(index.get("table") or ""),
                    str(index.get("name") or ""),
                )  # fmt: skip
            elif index.get("outcome") in ("created", "rebuilt", "skipped", "resumed"):
                latest.pop(text, None)
    return latest


class Withheld:
    """What ``analyze`` does not advise: the indexes ``apply --validate`` took back on this
    database, as ``WhatIf``'s ``barred`` (a candidate it bars is refused, whatever step of the
    search makes it), and the candidates it barred, for the report's "left out"."""

    def __init__(self, taken: dict[str, TakenBack]) -> None:
        self.taken = taken
        self.hits: dict[str, str] = {}  # the barred candidate, described -> why
        # the answer per spec: the search asks again each time it makes a spec anew (a
        # hypothetical index is dropped and made many times), and the answer takes a parse
        self._answers: dict[IndexSpec, str | None] = {}

    @classmethod
    def read(cls, path: str | None, database: str) -> Withheld:
        return cls(taken_back(read_quietly(Path(path) if path else None), database))

    def bars(self) -> Callable[[IndexSpec], str | None] | None:
        """The predicate, None when nothing was taken back (nothing to parse per candidate)."""
        return self._bar if self.taken else None

    def _bar(self, spec: IndexSpec) -> str | None:
        if spec not in self._answers:
            text = definition(create_index(spec).as_string(None))
            back = self.taken.get(text) if text is not None else None
            self._answers[spec] = None if back is None else back.reason()
            if back is not None:
                self.hits[spec.describe()] = back.reason()
        return self._answers[spec]


def read_quietly(path: Path | None) -> list[dict[str, Any]]:
    """The apply log at ``path`` (None: the default one), empty when there is none or it cannot
    be read: what reads it for advice goes on without it."""
    try:
        return read_log(path or default_log_path())
    except (OSError, ValueError):
        return []


def recorders(log: Path | None) -> list[Recorder]:
    """Where applies are recorded: the JSON-lines file (the history store plugs in here)."""
    return [JsonLinesRecorder(log or default_log_path())]
