"""Migration check ``no-primary-key``: the live rule's question, asked of the tables a
migration creates."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ObjectType
from psycopg import sql

from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.safe_steps import table_name
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity
from advisor.lint.rule import render_sql


def _new_table(node: ast.Node) -> ast.RangeVar | None:
    """The permanent, stand-alone table the statement creates (not a partition, a copy of
    another table's definition, a typed table, a temporary table or a materialized view)."""
    relation: ast.RangeVar | None = None
    if isinstance(node, ast.CreateStmt):
        if node.partbound is not None or node.ofTypename is not None or node.inhRelations:
            return None
        if any(isinstance(e, ast.TableLikeClause) for e in node.tableElts or ()):
            return None
        relation = node.relation
    elif isinstance(node, ast.CreateTableAsStmt) and node.objtype == ObjectType.OBJECT_TABLE:
        relation = node.into.rel if node.into is not None else None
    if relation is None or relation.relpersistence == "t":
        return None
    return relation


class NewTableWithoutPrimaryKey(MigrationCheck):
    """A table a migration creates without a primary key (and that no later migration of the
    same run gives one) has no stable way to name a row: logical replication cannot publish
    its UPDATEs and DELETEs, duplicates creep in, and other tables have nothing to refer to.
    Give it a ``bigint`` identity key, or its natural key. Partitions (which take the parent's
    key), ``LIKE`` copies and temporary tables are not flagged.
    """

    id = "no-primary-key"
    severity = Severity.WARNING
    fix = "Give the new table a primary key: a bigint identity column, or its natural key."
    beyond_squawk = (
        "Not a squawk rule: the schema checklist, for the tables a migration creates; a primary "
        "key added later in the same run counts."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = _new_table(step.node)
        if relation is None or ctx.inventory.has_primary_key(relation):
            return
        columns = {
            e.colname
            for e in getattr(step.node, "tableElts", None) or ()
            if isinstance(e, ast.ColumnDef)
        }
        fix = None
        if "id" not in columns:
            fix = render_sql(
                [
                    sql.SQL(
                        "ALTER TABLE {} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY "
                        "PRIMARY KEY"
                    ).format(table_name(relation))
                ]
            )
        yield Issue(
            f"creates table {relation.relname} without a primary key",
            relation=relation,
            fix_sql=fix,
        )
