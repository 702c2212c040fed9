"""Read PostgreSQL server log files into records: stderr, csvlog and jsonlog; plain or compressed.

A record is one message with what came with it: the ``DETAIL`` (bind parameters), the
``STATEMENT`` (the statement an error interrupted), the ``CONTEXT``, and the session, database,
user and application where the format carries them. In the stderr format those are separate lines
with the same ``log_line_prefix``, and the lines of a multi-line message continue with a tab;
csvlog and jsonlog carry them as fields of one entry.

The stderr format is parsed with a regular expression built from the ``log_line_prefix`` setting
(``--log-prefix``), or from the common prefix that matches most lines of the file.
"""

from __future__ import annotations

import bz2
import csv
import enum
import functools
import gzip
import json
import lzma
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from advisor.errors import UsageError


class LogFormat(enum.StrEnum):
    auto = "auto"
    stderr = "stderr"
    csvlog = "csvlog"
    jsonlog = "jsonlog"


@dataclass(frozen=True)
class LogRecord:
    """One log message and the lines that belong to it."""

    severity: str
    message: str
    pid: int | None = None
    session: str | None = None  # session id (csvlog, jsonlog, %c), else the pid
    database: str | None = None
    user: str | None = None
    application: str | None = None
    detail: str | None = None
    statement: str | None = None
    context: str | None = None
    query_id: int | None = None
    time: float | None = None  # seconds since the epoch, read as UTC whatever the zone says


def _seconds(timestamp: str | None) -> float | None:
    """``2024-05-01 10:00:00.123 UTC`` (or an epoch) -> seconds; the zone is ignored, so only
    differences within one log mean something."""
    if not timestamp:
        return None
    try:
        if "-" not in timestamp:
            return float(timestamp)
        when = datetime.strptime(timestamp[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        fraction = re.match(r"\.\d+", timestamp[19:])
        return when.timestamp() + (float(fraction.group(0)) if fraction else 0.0)
    except ValueError:
        return None


# Prefixes tried when none is given: the upstream default, Debian's, pgBadger's advice, RDS.
COMMON_PREFIXES = (
    "%m [%p] ",
    "%m [%p] %q%u@%d ",
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
    "%m [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: [%l-1] ",
    "%t [%p] ",
    "%t:%r:%u@%d:[%p]:",
    "%m [%p] %q[user=%u,db=%d,app=%a] ",
    "",
)

_TS = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
_TZ = r"(?: [A-Za-z0-9+\-:]+)?"
_ANY = r"[^\n]*?"
# log_line_prefix escape -> (group name or None, pattern)
_ESCAPES: dict[str, tuple[str | None, str]] = {
    "a": ("application", _ANY),
    "u": ("user", _ANY),
    "d": ("database", _ANY),
    "r": (None, _ANY),
    "h": (None, _ANY),
    "b": (None, _ANY),
    "i": (None, _ANY),
    "p": ("pid", r"\d+"),
    "P": (None, r"\d*"),
    "t": ("timestamp", _TS + _TZ),
    "m": ("timestamp", _TS + r"\.\d+" + _TZ),
    "s": (None, _TS + _TZ),
    "n": ("timestamp", r"\d+(?:\.\d+)?"),
    "e": (None, r"[0-9A-Z]{5}"),
    "c": ("session", r"[0-9a-f]+\.[0-9a-f]+"),
    "l": (None, r"\d+"),
    "v": (None, r"[^\s]*?"),
    "x": (None, r"\d+"),
    "Q": ("query_id", r"-?\d+"),
}
_LEVELS = (
    "DEBUG[1-5]?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC"
    "|DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT"
)
_SECONDARY = {
    "DETAIL": "detail",
    "STATEMENT": "statement",
    "CONTEXT": "context",
    "HINT": "hint",
    "QUERY": "query",
    "LOCATION": "location",
}


def prefix_regex(log_line_prefix: str) -> re.Pattern[str]:
    """A regex for a whole stderr log line whose prefix is ``log_line_prefix``.

    Named groups: ``timestamp``, ``pid``, ``session``, ``database``, ``user``, ``application``,
    ``query_id`` (where the prefix has them), ``level`` and ``message``.
    """
    named: set[str] = set()

    def build(text: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(text):
            char = text[i]
            if char != "%" or i + 1 >= len(text):
                out.append(re.escape(char))
                i += 1
                continue
            match = re.match(r"%(-?\d+)?(.)", text[i:])
            assert match is not None
            padded, escape = match.group(1), match.group(2)
            i += match.end()
            if escape == "%":
                out.append("%")
            elif escape == "q":  # the rest is printed only by session processes
                rest = build(text[i:])
                out.append(f"(?:{rest})?")
                break
            elif escape in _ESCAPES:
                name, pattern = _ESCAPES[escape]
                if name is not None and name not in named:
                    named.add(name)
                    pattern = f"(?P<{name}>{pattern})"
                else:
                    pattern = f"(?:{pattern})"
                out.append(rf" *{pattern} *" if padded else pattern)
            # unknown escapes print nothing
        return "".join(out)

    body = build(log_line_prefix)
    return re.compile(
        rf"^{body}(?P<level>{_LEVELS}):  (?:[0-9A-Z]{{5}}: )?(?P<message>.*)$", re.DOTALL
    )


def open_text(path: Path) -> IO[str]:
    """The file as text, decompressed when it is gzip, bzip2 or xz (by its first bytes)."""
    try:
        with path.open("rb") as raw:
            magic = raw.read(6)
        if magic.startswith(b"\x1f\x8b"):
            return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="")
        if magic.startswith(b"BZh"):
            return bz2.open(path, "rt", encoding="utf-8", errors="replace", newline="")
        if magic.startswith(b"\xfd7zXZ"):
            return lzma.open(path, "rt", encoding="utf-8", errors="replace", newline="")
        return path.open("r", encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise UsageError(f"cannot read log file {path}: {exc.strerror or exc}") from None


def _head(path: Path, count: int) -> list[str]:
    lines = []
    with open_text(path) as handle:
        for line in handle:
            lines.append(line.rstrip("\r\n"))
            if len(lines) >= count:
                break
    return lines


_CSV_START = re.compile(_TS + r"(?:\.\d+)?" + _TZ + ",")


def detect_format(path: Path, sample_lines: int = 200) -> LogFormat:
    """csvlog or jsonlog by the name (``.csv``, ``.json``, also compressed), else by what most of
    the first lines look like (a reload can leave a few lines of another format in a file)."""
    suffixes = [s.lower() for s in path.suffixes]
    if ".csv" in suffixes:
        return LogFormat.csvlog
    if ".json" in suffixes:
        return LogFormat.jsonlog
    votes = {LogFormat.stderr: 0, LogFormat.csvlog: 0, LogFormat.jsonlog: 0}
    for line in _head(path, sample_lines):
        if not line.strip() or line.startswith("\t"):
            continue
        if line.startswith("{"):
            votes[LogFormat.jsonlog] += 1
        elif _CSV_START.match(line):
            votes[LogFormat.csvlog] += 1
        elif any(p.match(line) for p in _common_patterns()):
            votes[LogFormat.stderr] += 1
    return max(votes, key=lambda f: votes[f])  # stderr first: wins a tie (custom prefixes)


@functools.cache
def _common_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(prefix_regex(p) for p in COMMON_PREFIXES)


def detect_prefix(path: Path, sample_lines: int = 2000) -> str:
    """The common ``log_line_prefix`` that matches most lines (the simplest one on a tie); it must
    match at least half of them."""
    lines = [line for line in _head(path, sample_lines) if line and not line.startswith("\t")]
    if not lines:
        return COMMON_PREFIXES[0]
    scores = []
    for prefix, pattern in zip(COMMON_PREFIXES, _common_patterns(), strict=True):
        scores.append((sum(1 for line in lines if pattern.match(line)), -len(prefix), prefix))
    best = max(scores)
    if best[0] * 2 < len(lines):  # a reload can leave a few lines of the old prefix
        raise UsageError(
            f"cannot recognise the line prefix of log file {path}",
            "pass the server's log_line_prefix with --log-prefix, or --log-format",
        )
    return best[2]


def read_records(
    path: Path, fmt: LogFormat = LogFormat.auto, prefix: str | None = None
) -> Iterator[LogRecord]:
    """The records of one log file, in file order."""
    if fmt is LogFormat.auto:
        fmt = detect_format(path)
    with open_text(path) as handle:
        if fmt is LogFormat.csvlog:
            yield from _csv_records(handle)
        elif fmt is LogFormat.jsonlog:
            yield from _json_records(handle)
        else:
            pattern = prefix_regex(prefix if prefix is not None else detect_prefix(path))
            yield from _stderr_records(handle, pattern, path)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _stderr_records(
    lines: Iterable[str], pattern: re.Pattern[str], path: Path
) -> Iterator[LogRecord]:
    record: dict[str, Any] | None = None
    target: str | None = None  # the field continuation lines (a leading tab) extend
    seen = matched = 0
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line.startswith("\t"):
            if record is not None and target is not None:
                record[target] += "\n" + line[1:]
            continue
        if not line:
            continue
        seen += 1
        match = pattern.match(line)
        if match is None:
            target = None  # someone else's output in the log: not part of the message
            continue
        matched += 1
        fields = match.groupdict()
        level = fields["level"]
        pid = _int(fields.get("pid"))
        if level in _SECONDARY:
            if record is not None and (pid is None or record["pid"] in (None, pid)):
                target = _SECONDARY[level]
                record[target] = fields["message"]
            else:
                target = None
            continue
        if record is not None:
            yield _stderr_record(record)
        record = {
            "severity": level,
            "message": fields["message"],
            "pid": pid,
            "session": fields.get("session") or (str(pid) if pid is not None else None),
            "database": fields.get("database"),
            "user": fields.get("user"),
            "application": fields.get("application"),
            "query_id": _int(fields.get("query_id")),
            "time": _seconds(fields.get("timestamp")),
        }
        target = "message"
    if record is not None:
        yield _stderr_record(record)
    if seen and not matched:
        raise UsageError(
            f"no line of log file {path} matches the log_line_prefix",
            "pass the server's log_line_prefix with --log-prefix, or --log-format",
        )


def _stderr_record(fields: dict[str, Any]) -> LogRecord:
    return LogRecord(
        severity=fields["severity"],
        message=fields["message"],
        pid=fields["pid"],
        session=fields["session"],
        database=fields["database"] or None,
        user=fields["user"] or None,
        application=fields["application"] or None,
        detail=fields.get("detail"),
        statement=fields.get("statement"),
        context=fields.get("context"),
        query_id=fields["query_id"] or None,
        time=fields["time"],
    )


def _csv_records(handle: IO[str]) -> Iterator[LogRecord]:
    # Columns as documented for csvlog: log_time, user_name, database_name, process_id,
    # connection_from, session_id, session_line_num, command_tag, session_start_time,
    # virtual_transaction_id, transaction_id, error_severity, sql_state_code, message, detail,
    # hint, internal_query, internal_query_pos, context, query, query_pos, location,
    # application_name, backend_type (13+), leader_pid (14+), query_id (14+).
    for row in csv.reader(handle):
        if len(row) < 23:
            continue
        pid = _int(row[3])
        yield LogRecord(
            severity=row[11],
            message=row[13],
            pid=pid,
            session=row[5] or (str(pid) if pid is not None else None),
            database=row[2] or None,
            user=row[1] or None,
            application=row[22] or None,
            detail=row[14] or None,
            statement=row[19] or None,
            context=row[18] or None,
            query_id=_int(row[25]) if len(row) > 25 else None,
            time=_seconds(row[0]),
        )


def _json_records(handle: IO[str]) -> Iterator[LogRecord]:
    for line in handle:
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if not isinstance(doc, dict) or "message" not in doc:
            continue
        pid = _int(doc.get("pid"))
        yield LogRecord(
            severity=str(doc.get("error_severity", "")),
            message=str(doc["message"]),
            pid=pid,
            session=_text(doc.get("session_id")) or (str(pid) if pid is not None else None),
            database=_text(doc.get("dbname")),
            user=_text(doc.get("user")),
            application=_text(doc.get("application_name")),
            detail=_text(doc.get("detail")),
            statement=_text(doc.get("statement")),
            context=_text(doc.get("context")),
            query_id=_int(doc.get("query_id")) or None,
            time=_seconds(_text(doc.get("timestamp"))),
        )
