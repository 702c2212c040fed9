"""Rule ``rls-without-policy``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext


class RlsWithoutPolicy(Rule):
    """Row-level security enabled on a table with no policy denies every row to every role
    except the table's owner and roles with ``BYPASSRLS``. The application sees an empty table
    and writes fail, while the owner (often the migration role that tests ran as) sees
    everything, so the mistake survives until production. Either write the policies or do not
    enable row-level security yet.
    """

    id = "rls-without-policy"
    severity = Severity.ERROR
    fix = "None: write the policies (CREATE POLICY ... USING (...)) the table needs."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            if table.rls_enabled and not ctx.catalog.policies_of(table.ref):
                yield self.finding(
                    "row-level security is enabled but the table has no policy: every row is "
                    "hidden from everyone but the owner",
                    table.ref,
                )
