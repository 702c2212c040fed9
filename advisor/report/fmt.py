"""Numbers for people: sizes, durations (sub-millisecond means too), times, changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.report.model import TrendPoint


def size(n: float) -> str:
    value = float(n)
    sign = "-" if value < 0 else ""
    value = abs(value)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{sign}{value:.0f} {unit}" if unit == "B" else f"{sign}{value:.1f} {unit}"
        value /= 1024
    return f"{sign}{value:.1f} TB"  # pragma: no cover - loop returns


def ms(value: float | None) -> str:
    """A duration in milliseconds: ``0.042 ms``, ``12.3 ms``, ``4.1 s``, ``2.5 min``, ``3.0 h``;
    ``n/a`` for a figure that was not measured."""
    if value is None:
        return "n/a"
    if value < 1:
        return f"{value:.3f} ms"
    if value < 100:
        return f"{value:.1f} ms"
    if value < 1000:
        return f"{value:.0f} ms"
    if value < 120_000:
        return f"{value / 1000:.1f} s"
    if value < 7_200_000:
        return f"{value / 60_000:.1f} min"
    return f"{value / 3_600_000:.1f} h"


def when(epoch: float | None) -> str:
    if epoch is None:
        return "–"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%b %d")


def span(seconds: float) -> str:
    """A period: ``7 days``, ``36 h``, ``12 min 5 s``, ``71 s`` (seconds below an hour)."""
    if seconds >= 86400 and seconds % 86400 == 0:
        days = int(seconds // 86400)
        return f"{days} day" + ("s" if days != 1 else "")
    if seconds >= 3600:
        return f"{seconds / 3600:.0f} h"
    whole = round(seconds)
    if whole >= 60:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole} s"


def trend_period(points: Sequence[TrendPoint]) -> str:
    """``7 days period``, or ``period (6 days to 8 days)`` when the stored periods differ."""
    lengths = [p.end - p.start for p in points]
    if not lengths:
        return "period"
    shortest, longest = span(min(lengths)), span(max(lengths))
    if shortest == longest:
        return f"{shortest} period"
    return f"period ({shortest} to {longest}, as the snapshots were taken)"


def listing(names: list[str], most: int) -> str:
    """``a, b, c and 4 more``: the count always matches the list."""
    shown = ", ".join(names[:most])
    return f"{shown} and {len(names) - most} more" if len(names) > most else shown


def cost(value: float | None) -> str:
    """A planner cost, ``n/a`` when not planned (rule-based advice)."""
    return "n/a" if value is None else f"{value:.0f}"


def pct(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.0f} %"


def count(n: int) -> str:
    return f"{n:,}"


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``1 statement``, ``2 statements``, ``0 indexes``: the count and the noun that fits it."""
    if n == 1:
        return f"1 {noun}"
    if many is None:
        many = noun + ("es" if noun.endswith(("s", "x", "sh", "ch")) else "s")
    return f"{n:,} {many}"


def short(query: str, width: int = 80) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def statement_name(queryid: int | None, query: str) -> str:
    """A statement as an index's note names it: by queryid, else by its text, shortened."""
    return f"statement {queryid}" if queryid is not None else f"'{short(query, 50)}'"
