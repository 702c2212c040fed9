"""Silencing: ``rule:pattern`` entries from the config or ``--ignore``, and ``advisor:ignore``
comments on the objects themselves (see ``catalog.ignored_rules`` and ``migration.source``).

A pattern is a shell-style glob matched against the finding's names: ``schema.table``,
``schema.table.column``, ``schema.table.object``, ``schema.object``, and for migrations the file
as given and ``file:line``. The rule part may be ``*``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase

from advisor.lint.config import Silence
from advisor.lint.model import LintFinding


def names_of(finding: LintFinding) -> list[str]:
    """The names a silencing pattern is matched against."""
    names = []
    s, t, c, o = finding.schema, finding.table, finding.column, finding.object
    if s and t:
        names.append(f"{s}.{t}")
        if c:
            names.append(f"{s}.{t}.{c}")
        if o:
            names.append(f"{s}.{t}.{o}")
    if s and o:
        names.append(f"{s}.{o}")
    if finding.file:
        names += [finding.file, f"{finding.file}:{finding.line}"]
    return names


def is_silenced(finding: LintFinding, silences: Iterable[Silence]) -> bool:
    names = names_of(finding)
    return any(
        s.rule in ("*", finding.rule) and any(fnmatchcase(n, s.pattern) for n in names)
        for s in silences
    )


def apply(
    findings: Iterable[LintFinding],
    silences: Iterable[Silence],
    comment_ignores: Callable[[LintFinding], frozenset[str]] | None = None,
) -> tuple[list[LintFinding], int]:
    """The findings that are not silenced, and how many were."""
    rules = tuple(silences)
    kept: list[LintFinding] = []
    dropped = 0
    for finding in findings:
        ignored = comment_ignores(finding) if comment_ignores is not None else frozenset()
        if finding.rule in ignored or "*" in ignored or is_silenced(finding, rules):
            dropped += 1
        else:
            kept.append(finding)
    return kept, dropped


def ordered(findings: Iterable[LintFinding], rule_order: list[str]) -> tuple[LintFinding, ...]:
    """Worst first, then in registry order, then by file/line or object."""
    rank = {rule: i for i, rule in enumerate(rule_order)}
    return tuple(
        sorted(
            findings,
            key=lambda f: (
                -f.severity.rank,
                f.file or "",
                f.line or 0,
                rank.get(f.rule, len(rank)),
                f.location,
            ),
        )
    )
