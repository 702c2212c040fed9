"""Migration check ``set-not-null-scan``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, NullTestType
from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.catalog import TableInfo
from advisor.lint.migration.check import (
    Issue,
    MigrationCheck,
    MigrationContext,
    cmds_of,
    same_table,
)
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity
from advisor.lint.rule import render_sql
from advisor.lint.sqlexpr import parse_expression


def is_not_null_test(expr: ast.Node | None, column: str) -> bool:
    return (
        isinstance(expr, ast.NullTest)
        and expr.nulltesttype == NullTestType.IS_NOT_NULL
        and isinstance(expr.arg, ast.ColumnRef)
        and getattr((expr.arg.fields or (None,))[-1], "sval", None) == column
    )


def _validated_in_file(
    ctx: MigrationContext, step: Step, relation: ast.RangeVar, column: str
) -> bool:
    pending: set[str] = set()
    for earlier in ctx.file.steps[: step.index]:
        node = earlier.node
        if not (
            isinstance(node, ast.AlterTableStmt)
            and isinstance(node.relation, ast.RangeVar)
            and same_table(node.relation, relation)
        ):
            continue
        for cmd in cmds_of(node, AlterTableType.AT_AddConstraint):
            con = cmd.def_
            if (
                isinstance(con, ast.Constraint)
                and con.contype == ConstrType.CONSTR_CHECK
                and is_not_null_test(con.raw_expr, column)
            ):
                if not con.skip_validation:
                    return True
                pending.add(con.conname or "")
        for cmd in cmds_of(node, AlterTableType.AT_ValidateConstraint):
            if cmd.name in pending:
                return True
    return False


def _validated_in_database(table: TableInfo | None, ctx: MigrationContext, column: str) -> bool:
    if table is None or ctx.catalog is None:
        return False
    col = table.column(column)
    if col is not None and col.not_null:
        return True  # already NOT NULL: the statement does nothing
    for con in ctx.catalog.constraints_of(table.ref, "c"):
        text = con.definition.removeprefix("CHECK ")
        if con.validated and is_not_null_test(parse_expression(text), column):
            return True
    return False


class SetNotNullScan(MigrationCheck):
    """``ALTER COLUMN ... SET NOT NULL`` scans the whole table to prove there is no NULL, under
    an ACCESS EXCLUSIVE lock that blocks reads and writes for the whole scan. Since PostgreSQL
    12 the scan is skipped when a validated ``CHECK (col IS NOT NULL)`` already proves it: add
    that check ``NOT VALID``, ``VALIDATE`` it (a weak lock), then ``SET NOT NULL`` is instant
    and the check can be dropped. The rule looks for such a check earlier in the file and, with
    a DSN, in the database.
    """

    id = "set-not-null-scan"
    severity = Severity.WARNING
    fix = "CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, SET NOT NULL, drop the check."
    scales_with_size = True

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = getattr(step.node, "relation", None)
        if ctx.created_before(relation, step.index) or not isinstance(relation, ast.RangeVar):
            return
        table = ctx.table(relation)
        for cmd in cmds_of(step.node, AlterTableType.AT_SetNotNull):
            column = cmd.name or ""
            if _validated_in_file(ctx, step, relation, column):
                continue
            if _validated_in_database(table, ctx, column):
                continue
            yield Issue(
                f"SET NOT NULL on {column} scans the table under an ACCESS EXCLUSIVE lock",
                column=column,
                fix_sql=_fix(relation, column),
            )


def _fix(relation: ast.RangeVar, column: str) -> str:
    parts = [p for p in (relation.schemaname, relation.relname) if p]
    table, col = Name(*parts), Name(column)
    check = Name(f"{relation.relname}_{column}_not_null"[:63])
    return render_sql(
        [
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID").format(
                table, check, col
            ),
            sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(table, check),
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(table, col),
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, check),
        ]
    )
