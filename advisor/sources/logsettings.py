"""How the connected server writes its log: the settings a log reader needs.

``log_line_prefix`` splits the stderr lines exactly (when it fits the file: the file may come
from another server, or from before a reload), ``log_destination`` says which formats the
server writes, ``log_timezone`` what the zone abbreviations in the timestamps mean, and
``lc_messages`` whether the messages are the English ones the reader understands.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg

from advisor.db import queries

log = logging.getLogger(__name__)

_FORMATS = ("stderr", "csvlog", "jsonlog")


@dataclass(frozen=True)
class ServerLogSettings:
    """The server's logging settings; None where unknown (offline, or hidden from the role)."""

    line_prefix: str | None = None
    destinations: tuple[str, ...] = ()
    timezone: str | None = None
    lc_messages: str | None = None

    @property
    def zone(self) -> tzinfo | None:
        """``log_timezone`` as a time zone, when it is one the system knows."""
        return zone_named(self.timezone) if self.timezone else None

    @property
    def file_formats(self) -> tuple[str, ...]:
        """The destinations written to files we can read, in the server's order."""
        return tuple(d for d in self.destinations if d in _FORMATS)

    @property
    def english(self) -> bool:
        """Whether the messages are PostgreSQL's own (untranslated) ones."""
        value = (self.lc_messages or "C").split(".")[0]
        return value in ("", "C", "POSIX") or value.lower().startswith("en")


@functools.cache
def zone_named(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def read_server_log_settings(conn: psycopg.Connection[Any]) -> ServerLogSettings:
    """The connected server's logging settings (pg_settings: any role may read them)."""
    with conn.cursor() as cur:
        rows = dict(cur.execute(queries.load("log_settings")).fetchall())
    destinations = tuple(
        d.strip().lower() for d in (rows.get("log_destination") or "").split(",") if d.strip()
    )
    found = ServerLogSettings(
        line_prefix=rows.get("log_line_prefix"),
        destinations=destinations,
        timezone=rows.get("log_timezone") or None,
        lc_messages=rows.get("lc_messages"),
    )
    if not found.english:
        log.warning(
            "the server's lc_messages is %r: log messages in another language are not read "
            "(set lc_messages = 'C')",
            found.lc_messages,
        )
    return found
