"""Numbers for people: sizes, durations (sub-millisecond means too), times, changes."""

from __future__ import annotations

from datetime import UTC, datetime


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
    """A duration in milliseconds: ``0.042 ms``, ``12.3 ms``, ``4.1 s``, ``2.5 min``, ``3.0 h``."""
    if value is None:
        return "–"
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
    if seconds % 86400 == 0:
        days = int(seconds // 86400)
        return f"{days} day" + ("s" if days != 1 else "")
    if seconds >= 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 60:.0f} min"


def pct(value: float | None) -> str:
    if value is None:
        return "–"
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
