"""Migration check ``unique-constraint-without-index``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.checks._columns import constraints
from advisor.lint.migration.checks.add_foreign_key_validates import add_column_fix
from advisor.lint.migration.safe_steps import object_name, unique_using_index
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


class UniqueConstraintWithoutIndex(MigrationCheck):
    """``ADD CONSTRAINT ... UNIQUE`` or ``PRIMARY KEY`` builds its index while holding an ACCESS
    EXCLUSIVE lock on the table: no reads, no writes until the build ends; so does ``ADD
    COLUMN ... UNIQUE`` or ``PRIMARY KEY`` (a ``serial PRIMARY KEY`` column rewrites the table
    first). Build the unique index first with ``CREATE UNIQUE INDEX CONCURRENTLY``, then attach
    it with ``ADD CONSTRAINT ... UNIQUE USING INDEX`` (or ``PRIMARY KEY USING INDEX``, once the
    columns are NOT NULL), which is instant. The index gets the constraint's name, as
    PostgreSQL would have named it.
    """

    id = "unique-constraint-without-index"
    severity = Severity.WARNING
    fix = "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX."
    scales_with_size = True
    squawk = (
        "disallowed-unique-constraint",
        "adding-primary-key-constraint",
        "adding-serial-primary-key-field",
    )
    beyond_squawk = (
        "Names the index as PostgreSQL names the constraint, so the catalog ends as the author "
        "wrote it; for ADD COLUMN it adds the column, fills it and sets NOT NULL safely before "
        "the index is attached."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = ctx.existing(step)
        if relation is None:
            return
        table = relation.relname or ""
        for cmd in cmds_of(step.node, AlterTableType.AT_AddConstraint):
            con = cmd.def_
            if not isinstance(con, ast.Constraint) or con.indexname:
                continue
            if con.contype not in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY):
                continue
            primary = con.contype == ConstrType.CONSTR_PRIMARY
            columns = [getattr(k, "sval", "") for k in con.keys or ()]
            name = con.conname or (
                object_name(table, label="pkey")
                if primary
                else object_name(table, "_".join(columns), label="key")
            )
            kind = "PRIMARY KEY" if primary else "UNIQUE"
            yield Issue(
                f"adds {kind} {name}: builds its index under an ACCESS EXCLUSIVE lock",
                obj=name,
                fix_sql="\n".join(unique_using_index(relation, name, columns, primary))
                if columns
                else None,
            )
        for cmd in cmds_of(step.node, AlterTableType.AT_AddColumn):
            col = cmd.def_
            if not isinstance(col, ast.ColumnDef):
                continue
            kinds = constraints(col, ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY)
            if not kinds:
                continue
            kind = "PRIMARY KEY" if kinds[0].contype == ConstrType.CONSTR_PRIMARY else "UNIQUE"
            yield Issue(
                f"adds column {col.colname} with {kind}: builds its index under an ACCESS "
                "EXCLUSIVE lock",
                column=col.colname,
                fix_sql=add_column_fix(relation, col, ctx),
            )
