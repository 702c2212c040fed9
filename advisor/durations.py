"""The one duration parser: ``500ms``, ``10s``, ``2min``, ``24h``, ``7d``, ``2w`` -> milliseconds.

Command-line options (``--statement-timeout``, ``--min-stats-age``, ``--since``, ...) and the
time settings PostgreSQL writes in logs and migrations (``SET lock_timeout = '2s'``) are read
here. A bare number takes the caller's default unit (milliseconds for timeouts, as PostgreSQL's
settings; days for report periods).
"""

from __future__ import annotations

import re

UNITS_MS = {
    "us": 0.001,
    "ms": 1.0,
    "s": 1_000.0,
    "min": 60_000.0,
    "m": 60_000.0,
    "h": 3_600_000.0,
    "d": 86_400_000.0,
    "w": 7 * 86_400_000.0,
}
_DURATION = re.compile(r"\s*'?\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|m|h|d|w)?\s*'?\s*")


def parse_ms(text: str, *, default_unit: str = "ms") -> float | None:
    """Milliseconds, or None when ``text`` is not a duration. Quotes around it are allowed."""
    match = _DURATION.fullmatch(text)
    if not match:
        return None
    return float(match.group(1)) * UNITS_MS[match.group(2) or default_unit]
