"""The apply log: one JSON line per apply (time, plan, result), in a local file.

The default file is ``applies.jsonl`` beside the history store in the user's data directory
(``$XDG_DATA_HOME/pg-advisor/``, ``~/.local/share/pg-advisor/`` when unset, the platform's
folder on macOS and Windows). Anything with a ``record(result)`` method is a ``Recorder``:
the history store, when it records applies, plugs in beside the file (``command.recorders``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from advisor.apply.model import ApplyResult, IndexResult
from advisor.fileio import write_atomic
from advisor.history.store import default_store_path


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
            {"query": t.query, "before_ms": t.before_ms, "after_ms": t.after_ms}
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


def recorders(log: Path | None) -> list[Recorder]:
    """Where applies are recorded: the JSON-lines file (the history store plugs in here)."""
    return [JsonLinesRecorder(log or default_log_path())]
