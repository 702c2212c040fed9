"""Migration check ``fk-without-index``: the live rule's question, asked of the foreign keys a
migration creates."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType
from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.fk_index import covering_index
from advisor.lint.indexfix import PARTITIONED_NOTE
from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext, cmds_of
from advisor.lint.migration.checks._columns import constraints
from advisor.lint.migration.safe_steps import object_name, table_name
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity
from advisor.lint.rule import render_sql


def declared_foreign_keys(node: ast.Node) -> Iterator[tuple[ast.Constraint, tuple[str, ...]]]:
    """(constraint, referencing columns) of each foreign key the statement declares."""

    def names(con: ast.Constraint) -> tuple[str, ...]:
        return tuple(getattr(k, "sval", "") for k in con.fk_attrs or ())

    if isinstance(node, ast.CreateStmt):
        for elt in node.tableElts or ():
            if isinstance(elt, ast.Constraint) and elt.contype == ConstrType.CONSTR_FOREIGN:
                yield elt, names(elt)
            elif isinstance(elt, ast.ColumnDef):
                for con in constraints(elt, ConstrType.CONSTR_FOREIGN):
                    yield con, (elt.colname or "",)
        return
    for cmd in cmds_of(node, AlterTableType.AT_AddConstraint):
        added = cmd.def_
        if isinstance(added, ast.Constraint) and added.contype == ConstrType.CONSTR_FOREIGN:
            yield added, names(added)
    for cmd in cmds_of(node, AlterTableType.AT_AddColumn):
        col = cmd.def_
        if isinstance(col, ast.ColumnDef):
            for con in constraints(col, ConstrType.CONSTR_FOREIGN):
                yield con, (col.colname or "",)


class ForeignKeyWithoutIndex(MigrationCheck):
    """A foreign key a migration creates needs an index led by its referencing columns, or
    every DELETE of a parent row (and every change of its key) scans the child table while
    holding locks. The check looks for that index among the indexes, primary keys and unique
    constraints created anywhere in the same run of migrations (the index often comes in a
    later file, since ``CREATE INDEX CONCURRENTLY`` wants a file of its own) and, with
    ``--dsn``, among those the table already has.
    """

    id = "fk-without-index"
    severity = Severity.WARNING
    fix = "CREATE INDEX (CONCURRENTLY on an existing table) on the referencing columns."
    beyond_squawk = (
        "Not a squawk rule: the schema checklist, for the foreign keys a migration creates; it "
        "looks for the index across the whole run of migrations and the live schema."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = getattr(step.node, "relation", None)
        if not isinstance(relation, ast.RangeVar):
            return
        table = ctx.table(relation)
        for con, columns in declared_foreign_keys(step.node):
            if not columns or ctx.inventory.index_leading(relation, columns) is not None:
                continue
            if table is not None and covering_index(
                columns, ctx.catalog.indexes_of(table.ref) if ctx.catalog else ()
            ):
                continue
            new = isinstance(step.node, ast.CreateStmt) or ctx.created_before(relation, step.index)
            parent = con.pktable.relname if con.pktable is not None else "?"
            index = object_name(relation.relname or "", "_".join(columns), label="idx")
            partitioned = table is not None and table.kind == "p"
            fix = None
            if not partitioned:
                statement = sql.SQL("CREATE INDEX {}IF NOT EXISTS {} ON {} ({})").format(
                    sql.SQL("") if new else sql.SQL("CONCURRENTLY "),
                    Name(index),
                    table_name(relation),
                    sql.SQL(", ").join(map(Name, columns)),
                )
                fix = render_sql([statement])
            yield Issue(
                f"foreign key ({', '.join(columns)}) to {parent} has no index on the referencing "
                f"columns in this run of migrations{' or in the database' if ctx.catalog else ''}"
                + (PARTITIONED_NOTE if partitioned else ""),
                column=columns[0] if len(columns) == 1 else None,
                obj=con.conname,
                fix_sql=fix,
            )
