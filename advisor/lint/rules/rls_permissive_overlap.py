"""Rule ``rls-permissive-overlap``."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from advisor.lint.catalog import PolicyInfo
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext
from advisor.lint.rules.rls_commands_uncovered import COMMANDS


class RlsPermissiveOverlap(Rule):
    """Permissive policies that apply to the same command and the same role are combined with
    OR: a row is visible if any of them allows it. Each one is evaluated for every row, so two
    overlapping policies cost twice, and the effective rule is their union, which is easy to
    widen by accident when someone adds a "temporary" policy. The rule flags pairs of
    permissive policies on one table whose commands overlap (``ALL`` overlaps every command)
    and whose roles overlap (``PUBLIC`` overlaps every role). Merge them into one policy per
    command and role, or make the narrowing one ``AS RESTRICTIVE``.
    """

    id = "rls-permissive-overlap"
    severity = Severity.WARNING
    fix = "None: merge the policies into one (their predicates OR-ed), or make one restrictive."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            permissive = [p for p in ctx.catalog.policies_of(table.ref) if p.permissive]
            for first, second in combinations(permissive, 2):
                commands = _shared_commands(first, second)
                roles = _shared_roles(first, second)
                if not commands or not roles:
                    continue
                yield self.finding(
                    f"permissive policies {first.name} and {second.name} both apply to "
                    f"{', '.join(commands)} for {', '.join(roles)}: both run for every row",
                    table.ref,
                    obj=second.name,
                    evidence=[first.name, second.name],
                )


def _shared_commands(a: PolicyInfo, b: PolicyInfo) -> list[str]:
    mine = set(COMMANDS) if a.command == "*" else {a.command}
    theirs = set(COMMANDS) if b.command == "*" else {b.command}
    return [name for cmd, name in COMMANDS.items() if cmd in mine & theirs]


def _shared_roles(a: PolicyInfo, b: PolicyInfo) -> list[str]:
    if "public" in a.roles:
        return list(b.roles)
    if "public" in b.roles:
        return list(a.roles)
    return sorted(set(a.roles) & set(b.roles))
