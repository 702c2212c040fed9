"""Migration check ``add-foreign-key-validates``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.checks._columns import constraints, volatile_call
from advisor.lint.migration.safe_steps import add_column_in_steps, object_name, validate_later
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


def added_constraints(node: ast.Node, kind: ConstrType) -> list[ast.Constraint]:
    return [
        c.def_
        for c in cmds_of(node, AlterTableType.AT_AddConstraint)
        if isinstance(c.def_, ast.Constraint) and c.def_.contype == kind
    ]


def added_columns_with(node: ast.Node, kind: ConstrType) -> list[ast.ColumnDef]:
    """Columns an ``ALTER TABLE ... ADD COLUMN`` adds with a column constraint of ``kind``."""
    return [
        c.def_
        for c in cmds_of(node, AlterTableType.AT_AddColumn)
        if isinstance(c.def_, ast.ColumnDef) and constraints(c.def_, kind)
    ]


def add_column_fix(relation: ast.RangeVar, col: ast.ColumnDef, ctx: MigrationContext) -> str:
    """The ADD COLUMN as safe steps that keep every constraint it declares."""
    volatile = volatile_call(col, ctx.volatility) is not None
    return "\n".join(add_column_in_steps(relation, col, volatile))


def _names(nodes: tuple[ast.Node, ...] | None) -> list[str]:
    return [getattr(n, "sval", "") for n in nodes or ()]


class AddForeignKeyValidates(MigrationCheck):
    """Adding a foreign key checks every existing row against the referenced table while
    holding a SHARE ROW EXCLUSIVE lock on both tables: writes to either wait for the whole
    scan. That holds for ``ADD CONSTRAINT ... FOREIGN KEY`` and for ``ADD COLUMN ...
    REFERENCES`` alike (the new column is scanned too). Add it ``NOT VALID`` (new rows are
    checked at once, the statement is instant), then ``VALIDATE CONSTRAINT`` in a separate
    transaction, which scans under a SHARE UPDATE EXCLUSIVE lock that lets reads and writes
    continue. Foreign keys on tables created in the same migration are not flagged.
    """

    id = "add-foreign-key-validates"
    severity = Severity.WARNING
    fix = "ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT."
    scales_with_size = True
    squawk = ("adding-foreign-key-constraint", "constraint-missing-not-valid")
    beyond_squawk = (
        "With --dsn the severity follows the table's size; ADD COLUMN ... REFERENCES gets a fix "
        "that adds the column and its other constraints safely too."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = ctx.existing(step)
        if relation is None:
            return
        for con in added_constraints(step.node, ConstrType.CONSTR_FOREIGN):
            if con.skip_validation:
                continue
            columns = _names(con.fk_attrs)
            name = con.conname or object_name(
                relation.relname or "", "_".join(columns), label="fkey"
            )
            yield Issue(
                f"adds foreign key {name} to {_parent(con)} and validates it under a lock that "
                "blocks writes to both tables",
                column=columns[0] if len(columns) == 1 else None,
                obj=name,
                fix_sql="\n".join(validate_later(relation, con, name)),
            )
        for col in added_columns_with(step.node, ConstrType.CONSTR_FOREIGN):
            (con, *_) = constraints(col, ConstrType.CONSTR_FOREIGN)
            name = con.conname or object_name(
                relation.relname or "", col.colname or "", label="fkey"
            )
            yield Issue(
                f"adds column {col.colname} referencing {_parent(con)}: validates the new foreign "
                "key under a lock that blocks writes to both tables",
                column=col.colname,
                obj=name,
                fix_sql=add_column_fix(relation, col, ctx),
            )


def _parent(con: ast.Constraint) -> str:
    return con.pktable.relname or "?" if con.pktable is not None else "?"
