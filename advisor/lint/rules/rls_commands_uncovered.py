"""Rule ``rls-commands-uncovered``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext

COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}


class RlsCommandsUncovered(Rule):
    """Under row-level security a command with no permissive policy is denied outright: a table
    with policies for SELECT and INSERT silently refuses every UPDATE and DELETE (zero rows
    affected, no error). When that is deliberate (an append-only ledger) say so by silencing the
    finding; usually it is a policy someone forgot. The rule flags tables with row-level
    security and at least one policy where SELECT, INSERT, UPDATE or DELETE is covered by no
    permissive policy (restrictive policies only narrow what permissive ones allow).
    """

    id = "rls-commands-uncovered"
    severity = Severity.WARNING
    fix = "None: add a policy FOR the missing commands (or one FOR ALL)."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            policies = ctx.catalog.policies_of(table.ref)
            if not table.rls_enabled or not policies:
                continue
            covered = {p.command for p in policies if p.permissive}
            if "*" in covered:
                continue
            missing = [name for cmd, name in COMMANDS.items() if cmd not in covered]
            if missing:
                yield self.finding(
                    f"no permissive policy for {', '.join(missing)}: denied to everyone but the "
                    "owner",
                    table.ref,
                    evidence=[p.name for p in policies],
                )
