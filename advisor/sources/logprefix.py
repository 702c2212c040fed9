"""The line prefix of a stderr log: ``log_line_prefix`` -> the fields of each line.

A stderr log line is ``<prefix><SEVERITY>:  <message>``, where the prefix is what the server's
``log_line_prefix`` printed. Knowing the setting, each escape is read exactly: ``%p`` and ``%l``
tie a ``DETAIL`` or ``STATEMENT`` line to its ``LOG`` line, ``%d`` names the database, ``%a`` the
application, ``%m``/``%t``/``%n`` the time. Not knowing it (a log from another server, a prefix
changed by a reload), the severity marker is found after any prefix, and the process id and time
are taken from the prefix where they have their usual shape.

Which prefix (``choose_prefix``): the user's ``--log-prefix``, always; else the connected
server's ``log_line_prefix`` if it fits most lines of the file; else the common prefix that fits
most lines; else the markers alone. Lines that do not fit the chosen prefix are read by their
markers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

# The severities, and the lines that belong to the message before them (lc_messages = 'C').
LEVELS = (
    "DEBUG[1-5]?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC"
    "|DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT"
)
SECONDARY = {
    "DETAIL": "detail",
    "STATEMENT": "statement",
    "CONTEXT": "context",
    "HINT": "hint",
    "QUERY": "query",
    "LOCATION": "location",
}

# Prefixes tried when neither the user nor the server names one: the upstream default, Debian's,
# pgBadger's advice, RDS's.
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

TIMESTAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
ZONE = r"(?: [A-Za-z0-9+\-]+)?"  # %Z of log_timezone: UTC, CEST, +03
_ANY = r"[^\n]*?"
# escape -> (field name or None, pattern); what log_status_format (elog.c) prints for each
_ESCAPES: dict[str, tuple[str | None, str]] = {
    "a": ("application", _ANY),
    "u": ("user", _ANY),
    "d": ("database", _ANY),
    "r": (None, r"(?:\[local\]|\S*?\(\d+\))?"),  # host(port), [local]; nothing outside sessions
    "h": (None, r"\S*?"),
    "L": (None, r"\S*?"),  # local address (16+)
    "b": (None, _ANY),  # backend type: "client backend"
    "i": (None, _ANY),  # command tag: "SELECT", "idle in transaction"
    "p": ("pid", r"\d+"),
    "P": (None, r"\d*"),  # parallel leader, for parallel workers only
    "t": ("timestamp", TIMESTAMP + ZONE),
    "m": ("timestamp", TIMESTAMP + r"\.\d+" + ZONE),
    "n": ("timestamp", r"\d+(?:\.\d+)?"),
    "s": (None, TIMESTAMP + ZONE),  # session start
    "e": (None, r"[0-9A-Z]{5}"),
    "c": ("session", r"[0-9a-f]+\.[0-9a-f]+"),
    "l": ("line", r"\d+"),
    "v": (None, r"(?:\d+/\d+)?"),
    "x": (None, r"\d+"),
    "Q": ("query_id", r"-?\d+"),
}
_TAIL = rf"(?P<level>{LEVELS}):  (?:[0-9A-Z]{{5}}: )?(?P<message>.*)$"  # SQLSTATE when verbose


@functools.lru_cache(maxsize=64)
def prefix_regex(log_line_prefix: str) -> re.Pattern[str]:
    """A regex for a whole stderr log line whose prefix is ``log_line_prefix``.

    Named groups: ``timestamp``, ``pid``, ``line``, ``session``, ``database``, ``user``,
    ``application``, ``query_id`` (where the prefix has them), ``level`` and ``message``.
    Escapes PostgreSQL does not know print nothing, as in the server.
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
            match = re.match(r"%(-?\d+)?(.)", text[i:], re.DOTALL)
            assert match is not None
            padded, escape = match.group(1), match.group(2)
            i += match.end()
            if escape == "%":
                out.append("%")
            elif escape == "q":  # the rest is printed by session processes only
                out.append(f"(?:{build(text[i:])})?")
                break
            elif escape in _ESCAPES:
                name, pattern = _ESCAPES[escape]
                if name is not None and name not in named:
                    named.add(name)
                    pattern = f"(?P<{name}>{pattern})"
                else:
                    pattern = f"(?:{pattern})"
                out.append(rf" *{pattern} *" if padded else pattern)
        return "".join(out)

    return re.compile(rf"^{build(log_line_prefix)}{_TAIL}", re.DOTALL)


# Without a known prefix: the first severity marker within the first 500 characters; the process
# id is the first number in square brackets ("[%p]", "[%p-%l]", "postgres[%p]"), the time the
# first timestamp.
_MARKERS = re.compile(rf"^(?P<prefix>[^\n]{{0,500}}?){_TAIL}", re.DOTALL)
_PID = re.compile(r"\[(\d+)(?:-\d+)?\]")
_TIME = re.compile(rf"{TIMESTAMP}(?:\.\d+)?{ZONE}|\b\d{{10}}\.\d{{3}}\b")

Fields = dict[str, str | None]


def marker_fields(line: str) -> Fields | None:
    """The severity, the message, and the pid and time where the unknown prefix shows them."""
    match = _MARKERS.match(line)
    if match is None:
        return None
    prefix = match.group("prefix")
    pid = _PID.search(prefix)
    stamp = _TIME.search(prefix)
    return {
        "level": match.group("level"),
        "message": match.group("message"),
        "pid": pid.group(1) if pid else None,
        "timestamp": stamp.group(0) if stamp else None,
    }


@dataclass(frozen=True)
class LinePrefix:
    """How the lines of one file are split: by ``prefix`` (None: by the markers alone).

    ``origin`` says where the prefix came from: ``given`` (``--log-prefix``), ``server`` (the
    connected server's setting), ``common`` (recognised) or ``markers``.
    """

    prefix: str | None
    origin: str

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        return prefix_regex(self.prefix) if self.prefix is not None else None

    def fields(self, line: str) -> Fields | None:
        """The line's fields; None for a line that is no log line's start."""
        if self._pattern is not None:
            match = self._pattern.match(line)
            if match is not None:
                return match.groupdict()
        return marker_fields(line)


def choose_prefix(
    lines: Sequence[str], *, given: str | None = None, server: str | None = None
) -> LinePrefix:
    """The prefix to read ``lines`` (the head of a file) with: ``given`` always; else ``server``
    or the common prefix fitting most lines, if it fits at least half of them; else markers."""
    if given is not None:
        return LinePrefix(given, "given")
    starts = [line for line in lines if line and not line.startswith("\t")]
    if not starts:
        return LinePrefix(server, "server") if server is not None else LinePrefix(None, "markers")
    if server is not None and _fits(server, starts) * 2 >= len(starts):
        return LinePrefix(server, "server")
    score, _, best = max((_fits(p, starts), -len(p), p) for p in COMMON_PREFIXES)
    if score * 2 >= len(starts):
        return LinePrefix(best, "common")
    return LinePrefix(None, "markers")


def _fits(prefix: str, lines: Sequence[str]) -> int:
    pattern = prefix_regex(prefix)
    return sum(1 for line in lines if pattern.match(line))
