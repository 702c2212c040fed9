"""Migration check ``alter-domain-add-constraint``."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from pglast import ast

from advisor.lint.catalog import TableInfo
from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, deparse
from advisor.lint.migration.safe_steps import object_name
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity

LOWER_LOCK_VALIDATE = 19  # ALTER DOMAIN ... VALIDATE takes SHARE UPDATE EXCLUSIVE from here on


def domain_users(
    ctx: MigrationContext, names: tuple[ast.Node, ...] | None
) -> list[tuple[TableInfo, str]]:
    """(table, column) pairs of the live schema whose column is of this domain."""
    parts = [getattr(n, "sval", "") for n in names or ()]
    if ctx.catalog is None or not parts:
        return []
    schema = parts[-2] if len(parts) > 1 else None
    return [
        (table, col.name)
        for table in ctx.catalog.tables.values()
        for col in table.columns
        if col.type_kind == "d"
        and col.type_name == parts[-1]
        and (schema is None or col.type_schema == schema)
    ]


def _what(node: ast.AlterDomainStmt, pg_version: int | None) -> tuple[str, str | None] | None:
    """What the statement checks, and its safe form; None when it checks nothing."""
    con = node.def_
    if node.subtype == "C" and isinstance(con, ast.Constraint) and not con.skip_validation:
        fixed = copy.deepcopy(node)
        assert isinstance(fixed.def_, ast.Constraint)
        fixed.def_.skip_validation = True
        fixed.def_.initially_valid = False
        domain = getattr((node.typeName or (None,))[-1], "sval", "")
        name = con.conname or object_name(domain, label="check")
        validate = ast.AlterDomainStmt(subtype="V", typeName=node.typeName, name=name)
        return "adds a constraint", "\n".join([deparse(fixed), deparse(validate)])
    if node.subtype == "O":
        return "sets NOT NULL", None
    if node.subtype == "V" and (pg_version is None or pg_version < LOWER_LOCK_VALIDATE):
        return "validates a constraint", None
    return None


class AlterDomainAddConstraint(MigrationCheck):
    """``ALTER DOMAIN ... ADD CONSTRAINT`` (and ``SET NOT NULL``) checks every column of every
    table that uses the domain, holding a SHARE lock on each table for the whole scan: writes
    to all of them wait. ``ADD CONSTRAINT ... NOT VALID`` is instant (new values are checked
    at once), but through PostgreSQL 18 its ``VALIDATE CONSTRAINT`` still takes the same SHARE
    lock, so on a busy table there is no way to validate a domain constraint without blocking
    writes; schedule it when the tables are quiet, or put a CHECK on each column instead, which
    validates under a lock that lets writes through. With ``--dsn`` the check names each table
    that uses the domain and weighs it by size; a domain no column uses is not flagged.
    """

    id = "alter-domain-add-constraint"
    severity = Severity.WARNING
    fix = "ADD CONSTRAINT ... NOT VALID (instant), VALIDATE when the tables are quiet."
    scales_with_size = True
    squawk = ("ban-alter-domain-with-add-constraint",)
    beyond_squawk = (
        "Finds the tables that use the domain (--dsn) and weighs each by its size, passes "
        "domains no column uses, and flags a VALIDATE too where it still blocks writes "
        "(PostgreSQL 18 and older)."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        node = step.node
        if not isinstance(node, ast.AlterDomainStmt):
            return
        found = _what(node, ctx.pg_version)
        if found is None:
            return
        what, fix = found
        name = ".".join(getattr(n, "sval", "") for n in node.typeName or ())
        if ctx.catalog is None:
            yield Issue(
                f"{what} on domain {name}: checks every column of that type under a lock "
                "that blocks writes to its table",
                obj=name,
                fix_sql=fix,
            )
            return
        for table, column in domain_users(ctx, node.typeName):
            yield Issue(
                f"{what} on domain {name}: checks column {column} under a SHARE lock that "
                "blocks writes",
                column=column,
                obj=name,
                fix_sql=fix,
                relation=ast.RangeVar(schemaname=table.ref.schema, relname=table.ref.name),
            )
