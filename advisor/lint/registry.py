"""Every rule and migration check by id: for ``--disable``, ``--list-rules`` and the docs."""

from __future__ import annotations

from collections.abc import Iterable

from advisor.errors import UsageError
from advisor.lint.migration.checks import CHECKS, PAIR_CHECKS
from advisor.lint.rule import Documented
from advisor.lint.rules import RULES


def documented() -> tuple[tuple[str, tuple[Documented, ...]], ...]:
    """The sections of the documentation, each with its rules in registry order."""
    return (
        ("Live schema rules (advisor lint --dsn)", RULES),
        ("Migration checks (advisor lint --migration)", CHECKS),
        ("Down migration checks (advisor lint --migration with a down file)", PAIR_CHECKS),
    )


def all_ids() -> list[str]:
    return [item.id for _, items in documented() for item in items]


def validate(ids: Iterable[str]) -> None:
    """Raise ``UsageError`` for an id that names no rule."""
    known = set(all_ids())
    unknown = sorted(set(ids) - known)
    if unknown:
        raise UsageError(
            f"unknown rule id(s): {', '.join(unknown)}",
            "advisor lint --list-rules shows them all",
        )
