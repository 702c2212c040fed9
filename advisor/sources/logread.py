"""Read PostgreSQL server log files into records: stderr, csvlog and jsonlog; plain or compressed.

A record is one message with what came with it: the ``DETAIL`` (bind parameters), the
``STATEMENT`` (the statement an error interrupted), the ``CONTEXT``, and the session, database,
user and application where the format carries them. In the stderr format those are separate lines
with the same ``log_line_prefix`` (tied to their message by the process id and line number where
the prefix shows them), and the lines of a multi-line message continue with a tab; csvlog and
jsonlog carry them as fields of one entry, multi-line fields quoted (CSV) or escaped (JSON).

Files are read line by line, never whole: logs can be gigabytes. How the stderr lines are split
is ``logprefix.choose_prefix``'s decision; timestamps are read in the server's ``log_timezone``
when it is known.
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
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import IO, Any

from advisor.errors import UsageError
from advisor.sources.logprefix import (
    SECONDARY,
    TIMESTAMP,
    ZONE,
    LinePrefix,
    choose_prefix,
    marker_fields,
)
from advisor.sources.logsettings import ServerLogSettings


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
    time: float | None = None  # seconds since the epoch


_STAMP = re.compile(rf"({TIMESTAMP})(\.\d+)?(?: ([A-Za-z0-9+\-]+))?")
_OFFSET = re.compile(r"([+-])(\d\d)(\d\d)?")


def log_time(text: str | None, zone: tzinfo | None = None) -> float | None:
    """A log timestamp (``2024-05-01 10:00:00.123 CEST``, or an epoch from ``%n``) -> seconds
    since the epoch. The zone abbreviation is read in ``zone`` (``log_timezone``), which also
    tells CET from CEST across a change of summer time; without it, a zone other than UTC or a
    numeric offset is taken as UTC, so only differences within one log mean something."""
    if not text:
        return None
    match = _STAMP.match(text)
    if match is None:
        try:
            return float(text)
        except ValueError:
            return None
    fraction = float(match.group(2)) if match.group(2) else 0.0
    base = _epoch(match.group(1), match.group(3), zone)
    return None if base is None else base + fraction


@functools.lru_cache(maxsize=4096)
def _epoch(local: str, abbreviation: str | None, zone: tzinfo | None) -> float | None:
    try:
        when = datetime.strptime(local, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    if abbreviation in (None, "UTC", "GMT", "Z"):
        return when.replace(tzinfo=UTC).timestamp()
    offset = _OFFSET.fullmatch(abbreviation)
    if offset is not None:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        return when.replace(tzinfo=timezone(sign * delta)).timestamp()
    if zone is None:
        return when.replace(tzinfo=UTC).timestamp()
    for fold in (0, 1):  # the hour repeated when summer time ends: the abbreviation decides
        candidate = when.replace(tzinfo=zone, fold=fold)
        if candidate.tzname() == abbreviation:
            return candidate.timestamp()
    return when.replace(tzinfo=zone).timestamp()


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


_CSV_START = re.compile(rf"{TIMESTAMP}(?:\.\d+)?{ZONE},")


def detect_format(
    path: Path, sample_lines: int = 200, server: ServerLogSettings | None = None
) -> LogFormat:
    """csvlog or jsonlog by the name (``.csv``, ``.json``, also compressed), else by what most of
    the first lines look like (a reload can leave a few lines of another format in a file); when
    they look like none, the server's first ``log_destination`` written to files."""
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
        elif marker_fields(line) is not None:
            votes[LogFormat.stderr] += 1
        elif _CSV_START.match(line):
            votes[LogFormat.csvlog] += 1
    if not any(votes.values()) and server is not None and server.file_formats:
        return LogFormat(server.file_formats[0])
    return max(votes, key=lambda f: votes[f])  # stderr first: wins a tie


def detect_prefix(
    path: Path,
    sample_lines: int = 2000,
    *,
    given: str | None = None,
    server: ServerLogSettings | None = None,
) -> LinePrefix:
    """How the stderr lines of ``path`` are split (``logprefix.choose_prefix`` on its head)."""
    return choose_prefix(
        _head(path, sample_lines),
        given=given,
        server=server.line_prefix if server is not None else None,
    )


def read_records(
    path: Path,
    fmt: LogFormat = LogFormat.auto,
    prefix: str | None = None,
    server: ServerLogSettings | None = None,
) -> Iterator[LogRecord]:
    """The records of one log file, in file order. ``prefix`` is the user's ``log_line_prefix``
    (it wins); ``server`` the connected server's logging settings, when there is one."""
    if fmt is LogFormat.auto:
        fmt = detect_format(path, server=server)
    zone = server.zone if server is not None else None
    split = detect_prefix(path, given=prefix, server=server) if fmt is LogFormat.stderr else None
    with open_text(path) as handle:
        if split is not None:
            yield from _stderr_records(handle, split, path, zone)
        elif fmt is LogFormat.csvlog:
            yield from _csv_records(handle, zone)
        else:
            yield from _json_records(handle, zone)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _stderr_records(
    lines: Iterable[str], split: LinePrefix, path: Path, zone: tzinfo | None
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
        fields = split.fields(line)
        if fields is None:
            target = None  # someone else's output in the log: not part of the message
            continue
        matched += 1
        level = str(fields["level"])
        if level in SECONDARY:
            target = None
            if record is not None and _belongs(record, fields):
                target = SECONDARY[level]
                record[target] = fields["message"]
                record["line"] = _int(fields.get("line"))
            continue
        if record is not None:
            yield _stderr_record(record, zone)
        pid = _int(fields.get("pid"))
        record = {
            "severity": level,
            "message": fields["message"],
            "pid": pid,
            "line": _int(fields.get("line")),
            "session": fields.get("session") or (str(pid) if pid is not None else None),
            "database": fields.get("database"),
            "user": fields.get("user"),
            "application": fields.get("application"),
            "query_id": _int(fields.get("query_id")),
            "timestamp": fields.get("timestamp"),
        }
        target = "message"
    if record is not None:
        yield _stderr_record(record, zone)
    if seen and not matched:
        raise UsageError(
            f"no line of log file {path} looks like a PostgreSQL log line",
            "the advisor reads PostgreSQL's English messages (lc_messages = 'C'); "
            "pass the server's log_line_prefix with --log-prefix, or --log-format",
        )


def _belongs(record: dict[str, Any], fields: dict[str, str | None]) -> bool:
    """Whether a DETAIL/STATEMENT/... line continues ``record``: the same process, and the next
    line number where the prefix shows them."""
    pid, line = _int(fields.get("pid")), _int(fields.get("line"))
    if pid is not None and record["pid"] is not None and pid != record["pid"]:
        return False
    return line is None or record["line"] is None or line == record["line"] + 1


def _stderr_record(fields: dict[str, Any], zone: tzinfo | None) -> LogRecord:
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
        time=log_time(fields["timestamp"], zone),
    )


def _csv_records(handle: IO[str], zone: tzinfo | None) -> Iterator[LogRecord]:
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
            time=log_time(row[0], zone),
        )


def _json_records(handle: IO[str], zone: tzinfo | None) -> Iterator[LogRecord]:
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
            time=log_time(_text(doc.get("timestamp")), zone),
        )
