"""Rule ``fk-nullable``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext


class FkNullable(Rule):
    """A nullable foreign key column says "this row may belong to nothing". Sometimes that is
    the model (an optional coupon, ``ON DELETE SET NULL``), but often it is an accident: an
    order without a customer, a charge without an account, rows the application never meant
    to write and every query must now handle. The rule flags foreign key columns that allow
    NULL unless the key is ``ON DELETE SET NULL`` or the column has a comment giving the reason
    (``COMMENT ON COLUMN ... IS '...'``). Make the column NOT NULL without a long lock: add a
    ``CHECK (col IS NOT NULL) NOT VALID``, validate it, then ``SET NOT NULL`` uses the check
    instead of scanning (PostgreSQL 12+).
    """

    id = "fk-nullable"
    severity = Severity.INFO
    fix = (
        "CHECK (col IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL (no scan thanks to the "
        "check), drop the check; or comment the column with the reason."
    )

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for con in ctx.catalog.constraints:
            if con.type != "f" or con.on_delete == "n":
                continue
            table = ctx.catalog.tables.get(con.table)
            if table is None:
                continue
            for name in con.columns:
                col = table.column(name)
                if col is None or col.not_null or (col.comment or "").strip():
                    continue
                check = Name(f"{con.table.name}_{name}_not_null"[:63])
                ref, column = Name(con.table.schema, con.table.name), Name(name)
                fix = [
                    sql.SQL(
                        "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID"
                    ).format(ref, check, column),
                    sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(ref, check),
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(ref, column),
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(ref, check),
                ]
                yield self.finding(
                    f"foreign key column of {con.name} allows NULL and no comment says why",
                    con.table,
                    column=name,
                    obj=con.name,
                    fix=fix,
                    rollback=[
                        sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL").format(ref, column)
                    ],
                )
