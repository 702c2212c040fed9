"""Migration check ``type-change-rewrite``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.source import Step
from advisor.lint.migration.typechange import TypeShape, column_type, rewrites, written_type
from advisor.lint.model import Severity

# Targets that every member of their own family converts to without a rewrite: without knowing
# the old type, a change to one of these is taken for the widening it nearly always is.
WIDENING_TARGETS = {("text", ()), ("varchar", ()), ("numeric", ())}
FAMILY = {"varchar": "varchar or text", "numeric": "numeric", "varbit": "varbit"}


def _old_type(
    step: Step, ctx: MigrationContext, relation: ast.RangeVar, column: str
) -> TypeShape | None:
    table = ctx.table(relation)
    col = table.column(column) if table is not None else None
    if col is not None:
        return column_type(col)
    return ctx.inventory.type_before(relation, column, (ctx.position, step.index))


class TypeChangeRewrite(MigrationCheck):
    """``ALTER COLUMN ... TYPE`` rewrites the whole table and rebuilds its indexes under an
    ACCESS EXCLUSIVE lock, blocking reads and writes for as long as that takes, unless the new
    type is binary-coercible from the old one: ``varchar(n)`` to ``text``, to ``varchar`` or to
    a longer ``varchar(m)``; ``numeric(p, s)`` to plain ``numeric`` or to more precision at the
    same scale; a longer ``varbit``; ``cidr`` to ``inet``; and ``timestamp`` to ``timestamptz``
    (or back) when the session TimeZone is UTC (PostgreSQL 12+). Shortening, changing a scale,
    ``text`` to ``varchar(n)``, ``integer`` to ``bigint``, or a ``USING`` expression rewrite. The
    old type comes from the live database (``--dsn``) or from the migrations of the same run
    that created the column; when neither knows it, a change to ``text``, ``varchar`` or
    ``numeric`` without a limit is taken for the widening it nearly always is, and one to
    ``varchar(n)`` or ``numeric(p, s)`` is a note. For a real conversion add a new column, keep
    it in step with a trigger, backfill it in batches, switch readers, then drop the old one.
    """

    id = "type-change-rewrite"
    severity = Severity.WARNING
    fix = "None: add a column of the new type, backfill in batches, switch readers, drop later."
    scales_with_size = True
    squawk = ("changing-column-type",)
    beyond_squawk = (
        "Knows PostgreSQL's binary-coercible changes (each verified on a real server by its "
        "relfilenode in the tests) and the old type from the database or earlier migrations, so "
        "varchar(n) to text, a longer varchar or an unconstrained numeric pass."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = ctx.existing(step)
        if relation is None:
            return
        for cmd in cmds_of(step.node, AlterTableType.AT_AlterColumnType):
            issue = judge(step, ctx, relation, cmd)
            if issue is not None:
                yield issue


def judge(
    step: Step, ctx: MigrationContext, relation: ast.RangeVar, cmd: ast.AlterTableCmd
) -> Issue | None:
    """The finding for one ``ALTER COLUMN ... TYPE``; None when it does not rewrite."""
    definition = cmd.def_
    if not isinstance(definition, ast.ColumnDef) or definition.typeName is None:
        return None
    column = cmd.name or ""
    new = written_type(definition.typeName)
    old = _old_type(step, ctx, relation, column)
    if definition.raw_default is not None:
        return Issue(
            f"changes the type of {column} to {_show(new)} with USING: rewrites the table and its "
            "indexes",
            column=column,
        )
    if old is None:
        if new in WIDENING_TARGETS:
            return None
        family = FAMILY.get(new[0])
        if family and new[1]:
            return Issue(
                f"changes the type of {column} to {_show(new)}: catalog-only if it is a "
                f"shorter {family} now, a rewrite otherwise (--dsn tells)",
                column=column,
                severity=Severity.INFO,
            )
        return Issue(
            f"changes the type of {column} to {_show(new)}: rewrites the table and its indexes "
            "unless the change is binary-coercible",
            column=column,
        )
    verdict = rewrites(old, new)
    if verdict is False:
        return None
    why = (
        "without a rewrite only when the session TimeZone is UTC"
        if verdict is None
        else "rewrites the table and its indexes"
    )
    return Issue(f"changes {column} from {_show(old)} to {_show(new)}: {why}", column=column)


_SPELLING = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bpchar": "char",
    "bool": "boolean",
}


def _show(shape: TypeShape) -> str:
    name, mods = shape
    name = _SPELLING.get(name, name)
    return f"{name}({', '.join(map(str, mods))})" if mods else name
