"""Migration check ``truncate-cascade``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import DropBehavior
from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.catalog import LintCatalog
from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity
from advisor.lint.rule import render_sql
from advisor.model import TableRef


def reached(catalog: LintCatalog, start: list[TableRef]) -> list[TableRef]:
    """Every table ``TRUNCATE ... CASCADE`` of ``start`` empties: those whose foreign keys point
    at an emptied table, recursively, in the order they are reached."""
    found = list(dict.fromkeys(start))
    for table in found:  # grows while it is walked
        for con in catalog.constraints:
            if con.type == "f" and con.ref_table == table and con.table not in found:
                found.append(con.table)
    return found


class TruncateCascade(MigrationCheck):
    """``TRUNCATE ... CASCADE`` also empties every table whose foreign keys point at the
    truncated ones, and the tables pointing at those, however far the chain goes: a cleanup of
    one staging table can wipe production tables nobody named. Name every table to empty in
    the ``TRUNCATE`` itself, without ``CASCADE``: PostgreSQL then refuses when a table that
    refers to them is left out, instead of emptying it. With ``--dsn`` the finding lists the
    tables the cascade reaches, and the fix names them.
    """

    id = "truncate-cascade"
    severity = Severity.ERROR
    fix = "TRUNCATE the tables you mean, by name, without CASCADE (with --dsn: the list)."
    squawk = ("ban-truncate-cascade",)
    beyond_squawk = (
        "With --dsn it follows the foreign keys to list every table the cascade empties, and "
        "writes the TRUNCATE that names them."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        node = step.node
        if not isinstance(node, ast.TruncateStmt) or node.behavior != DropBehavior.DROP_CASCADE:
            return
        relations = [r for r in node.relations or () if isinstance(r, ast.RangeVar)]
        tables = [ctx.table(r) for r in relations]
        first = relations[0] if relations else None
        if ctx.catalog is None or not tables or any(t is None for t in tables):
            yield Issue(
                "TRUNCATE ... CASCADE also empties every table that refers to these, recursively",
                relation=first,
            )
            return
        named = [t.ref for t in tables if t is not None]
        every = reached(ctx.catalog, named)
        extra = [str(t) for t in every if t not in named]
        if not extra:
            detail = "TRUNCATE ... CASCADE: no other table refers to these today"
        else:
            detail = f"TRUNCATE ... CASCADE also empties {', '.join(extra)}"
        statement = sql.SQL("TRUNCATE {}{}").format(
            sql.SQL(", ").join(Name(t.schema, t.name) for t in every),
            sql.SQL(" RESTART IDENTITY") if node.restart_seqs else sql.SQL(""),
        )
        yield Issue(detail, relation=first, fix_sql=render_sql([statement]))
