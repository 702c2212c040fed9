"""Migration check ``unique-constraint-without-index``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType
from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity
from advisor.lint.rule import render_sql


class UniqueConstraintWithoutIndex(MigrationCheck):
    """``ADD CONSTRAINT ... UNIQUE`` or ``PRIMARY KEY`` builds its index while holding an ACCESS
    EXCLUSIVE lock on the table: no reads, no writes until the build ends. Build the unique
    index first with ``CREATE UNIQUE INDEX CONCURRENTLY``, then attach it with
    ``ADD CONSTRAINT ... UNIQUE USING INDEX`` (or ``PRIMARY KEY USING INDEX``, once the columns
    are NOT NULL), which is instant.
    """

    id = "unique-constraint-without-index"
    severity = Severity.WARNING
    fix = "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX."
    scales_with_size = True

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = getattr(step.node, "relation", None)
        if ctx.created_before(relation, step.index) or not isinstance(relation, ast.RangeVar):
            return
        for cmd in cmds_of(step.node, AlterTableType.AT_AddConstraint):
            con = cmd.def_
            if not isinstance(con, ast.Constraint) or con.indexname:
                continue
            if con.contype not in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY):
                continue
            kind = "PRIMARY KEY" if con.contype == ConstrType.CONSTR_PRIMARY else "UNIQUE"
            columns = [getattr(k, "sval", "") for k in con.keys or ()]
            suffix = "pkey" if kind == "PRIMARY KEY" else "_".join([*columns, "key"])
            name = con.conname or f"{relation.relname}_{suffix}"
            yield Issue(
                f"adds {kind} {name}: builds its index under an ACCESS EXCLUSIVE lock",
                obj=name,
                fix_sql=_fix(relation, name, columns, kind) if columns else None,
            )


def _fix(relation: ast.RangeVar, name: str, columns: list[str], kind: str) -> str:
    table = Name(*[p for p in (relation.schemaname, relation.relname) if p])
    return render_sql(
        [
            sql.SQL("CREATE UNIQUE INDEX CONCURRENTLY {} ON {} ({})").format(
                Name(name), table, sql.SQL(", ").join(map(Name, columns))
            ),
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}").format(
                table,
                Name(name),
                sql.SQL("PRIMARY KEY") if kind == "PRIMARY KEY" else sql.SQL("UNIQUE"),
                Name(name),
            ),
        ]
    )
