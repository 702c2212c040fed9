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
    """Every id once, in documentation order. A migration check that asks a live rule's
    question of what a migration creates shares that rule's id."""
    return list(dict.fromkeys(item.id for _, items in documented() for item in items))


def live_ids() -> frozenset[str]:
    return frozenset(rule.id for rule in RULES)


def squawk_map() -> dict[str, list[str]]:
    """squawk's rule -> the ids of the checks that answer it, in documentation order."""
    found: dict[str, list[str]] = {}
    for _, items in documented():
        for item in items:
            for name in item.squawk:
                found.setdefault(name, [])
                if item.id not in found[name]:
                    found[name].append(item.id)
    return dict(sorted(found.items()))


def validate(ids: Iterable[str]) -> None:
    """Raise ``UsageError`` for an id that names no rule."""
    known = set(all_ids())
    unknown = sorted(set(ids) - known)
    if unknown:
        raise UsageError(
            f"unknown rule id(s): {', '.join(unknown)}",
            "advisor lint --list-rules shows them all",
        )
