"""Migration check ``volatile-default``."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, DropBehavior

from advisor.lint.migration.check import (
    Issue,
    MigrationCheck,
    MigrationContext,
    alter,
    cmds_of,
    deparse,
)
from advisor.lint.migration.checks._columns import (
    SERIAL_TYPES,
    constraints,
    default_expr,
    type_base,
)
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity
from advisor.lint.sqlexpr import func_name
from advisor.parse.predicates import walk

KNOWN_VOLATILE = frozenset(
    {
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "txid_current",
        "setseed",
    }
)


class VolatileDefault(MigrationCheck):
    """Since PostgreSQL 11, ``ADD COLUMN ... DEFAULT <constant>`` only records the default in
    the catalog. A volatile default (``gen_random_uuid()``, ``clock_timestamp()``, ``random()``,
    a serial or identity column, a stored generated column) must be computed for every
    existing row, so the table is rewritten under an ACCESS EXCLUSIVE lock. Add the column
    without the default, set the default for new rows, and fill the existing rows in batches.
    Without a DSN only well-known volatile functions are recognised; with one, the server says.
    """

    id = "volatile-default"
    severity = Severity.WARNING
    fix = "ADD COLUMN without default, then SET DEFAULT, then backfill existing rows in batches."
    scales_with_size = True

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = getattr(step.node, "relation", None)
        if ctx.created_before(relation, step.index) or not isinstance(relation, ast.RangeVar):
            return
        for cmd in cmds_of(step.node, AlterTableType.AT_AddColumn):
            col = cmd.def_
            if not isinstance(col, ast.ColumnDef):
                continue
            reason = self._reason(col, ctx)
            if reason is None:
                continue
            yield Issue(
                f"adds column {col.colname} with {reason}: rewrites the whole table",
                column=col.colname,
                fix_sql=_fix(relation, col),
            )

    def _reason(self, col: ast.ColumnDef, ctx: MigrationContext) -> str | None:
        if type_base(col) in SERIAL_TYPES:
            return f"type {type_base(col)} (a nextval() default)"
        if constraints(col, ConstrType.CONSTR_IDENTITY):
            return "an identity (a value per row)"
        if any(
            c.generated_when == "a" and c.raw_expr is not None
            for c in constraints(col, ConstrType.CONSTR_GENERATED)
        ):
            return "a stored generated expression"
        expr = default_expr(col)
        if expr is None:
            return None
        for node in walk(expr):
            if isinstance(node, ast.FuncCall):
                name = func_name(node)
                bare = name.rpartition(".")[2]
                known = ctx.volatility.get(name) or ctx.volatility.get(bare)
                if known == "v" or (known is None and bare in KNOWN_VOLATILE):
                    return f"a volatile default {name}()"
        return None


def _fix(relation: ast.RangeVar, col: ast.ColumnDef) -> str | None:
    expr = default_expr(col)
    if expr is None:
        return None
    plain = copy.deepcopy(col)
    plain.constraints = (
        tuple(
            c
            for c in col.constraints or ()
            if isinstance(c, ast.Constraint)
            and c.contype not in (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_NOTNULL)
        )
        or None
    )
    plain.is_not_null = False
    add = ast.AlterTableCmd(
        subtype=AlterTableType.AT_AddColumn, def_=plain, behavior=DropBehavior.DROP_RESTRICT
    )
    set_default = ast.AlterTableCmd(
        subtype=AlterTableType.AT_ColumnDefault,
        name=col.colname,
        def_=expr,
        behavior=DropBehavior.DROP_RESTRICT,
    )
    return "\n".join(
        [
            deparse(alter(relation, add)),
            deparse(alter(relation, set_default)),
            "-- then fill the existing rows in batches of a few thousand keys, e.g.:",
            f"-- UPDATE ... SET {col.colname} = <default> WHERE {col.colname} IS NULL AND id "
            "BETWEEN $1 AND $2;",
        ]
    )
