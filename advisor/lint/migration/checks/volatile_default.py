"""Migration check ``volatile-default``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.checks._columns import (
    SERIAL_TYPES,
    constraints,
    type_base,
    volatile_call,
)
from advisor.lint.migration.safe_steps import add_column_in_steps
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class VolatileDefault(MigrationCheck):
    """Since PostgreSQL 11, ``ADD COLUMN ... DEFAULT <constant>`` only records the default in
    the catalog. A volatile default (``gen_random_uuid()``, ``clock_timestamp()``, ``random()``,
    a serial or identity column, a stored generated column) must be computed for every
    existing row, so the table is rewritten under an ACCESS EXCLUSIVE lock. Add the column
    without the default, set the default for new rows, and fill the existing rows in batches
    that each commit; then put back every constraint the author wrote: NOT NULL through a
    validated ``CHECK (col IS NOT NULL)`` (so ``SET NOT NULL`` needs no scan), CHECK and
    foreign keys ``NOT VALID`` then validated, UNIQUE and PRIMARY KEY through an index built
    concurrently. Without a DSN only well-known volatile functions are recognised; with one,
    the server says. A stored generated column has no such path (a trigger can fill a plain
    column instead).
    """

    id = "volatile-default"
    severity = Severity.WARNING
    fix = (
        "ADD COLUMN bare, SET DEFAULT, backfill in committed batches, then CHECK (col IS NOT "
        "NULL) NOT VALID, VALIDATE, SET NOT NULL, drop the check, and the other constraints "
        "NOT VALID / concurrently."
    )
    scales_with_size = True
    squawk = ("adding-field-with-default",)
    beyond_squawk = (
        "Asks the server which functions are volatile (with --dsn), and its fix keeps the "
        "column's NOT NULL, CHECK, UNIQUE, primary and foreign keys, under PostgreSQL's own "
        "constraint names; each fix is run on a real table and its catalog compared in tests."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = ctx.existing(step)
        if relation is None:
            return
        for cmd in cmds_of(step.node, AlterTableType.AT_AddColumn):
            col = cmd.def_
            if not isinstance(col, ast.ColumnDef):
                continue
            reason = self._reason(col, ctx)
            if reason is None:
                continue
            generated = reason == "a stored generated expression"
            yield Issue(
                f"adds column {col.colname} with {reason}: rewrites the whole table",
                column=col.colname,
                fix_sql=None
                if generated
                else "\n".join(add_column_in_steps(relation, col, volatile=True)),
            )

    def _reason(self, col: ast.ColumnDef, ctx: MigrationContext) -> str | None:
        if type_base(col) in SERIAL_TYPES:
            return f"type {type_base(col)} (a nextval() default)"
        if constraints(col, ConstrType.CONSTR_IDENTITY):
            return "an identity (a value per row)"
        if any(
            c.generated_when == "a" and c.raw_expr is not None and c.generated_kind != "v"
            for c in constraints(col, ConstrType.CONSTR_GENERATED)
        ):
            return "a stored generated expression"
        name = volatile_call(col, ctx.volatility)
        return f"a volatile default {name}()" if name else None
