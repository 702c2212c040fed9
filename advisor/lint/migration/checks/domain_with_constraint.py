"""Migration check ``domain-with-constraint``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ConstrType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class DomainWithConstraint(MigrationCheck):
    """A domain with a CHECK (or NOT NULL) constraint puts the rule on every column of that
    type, so changing the rule later is expensive: ``ALTER DOMAIN ... ADD CONSTRAINT`` checks
    every such column of every table under a SHARE lock that blocks writes (through PostgreSQL
    18 its ``VALIDATE`` does too), and changing such a column's type always rewrites the table.
    A CHECK on each column can be changed table by table, ``NOT VALID`` first and validated
    under a lock that lets writes through. Keep the domain for the type, put the rule on the
    columns; or accept the domain when the rule will never change.
    """

    id = "domain-with-constraint"
    severity = Severity.INFO
    fix = "None: create the domain without the constraint and CHECK the columns that use it."
    squawk = ("ban-create-domain-with-constraint",)
    beyond_squawk = (
        "A note rather than a ban: it says what the constraint will cost later, and when the "
        "domain is still the right choice."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        node = step.node
        if not isinstance(node, ast.CreateDomainStmt):
            return
        kinds = {
            c.contype
            for c in node.constraints or ()
            if isinstance(c, ast.Constraint)
            and c.contype in (ConstrType.CONSTR_CHECK, ConstrType.CONSTR_NOTNULL)
        }
        if kinds:
            name = ".".join(getattr(n, "sval", "") for n in node.domainname or ())
            what = " and ".join(
                k
                for k, v in (
                    ("CHECK", ConstrType.CONSTR_CHECK),
                    ("NOT NULL", ConstrType.CONSTR_NOTNULL),
                )
                if v in kinds
            )
            yield Issue(
                f"domain {name} carries {what}: changing it later checks every column that "
                "uses the domain under a lock that blocks writes",
                obj=name,
            )
