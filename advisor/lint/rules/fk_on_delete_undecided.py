"""Rule ``fk-on-delete-undecided``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.catalog import ConstraintInfo
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext

ACTIONS = {
    "a": sql.SQL("NO ACTION"),
    "r": sql.SQL("RESTRICT"),
    "c": sql.SQL("CASCADE"),
    "n": sql.SQL("SET NULL"),
    "d": sql.SQL("SET DEFAULT"),
}


class FkOnDeleteUndecided(Rule):
    """A foreign key declared without ``ON DELETE`` gets ``NO ACTION``: deleting a parent that
    still has children fails at the end of the statement. That is often right, but on a table
    the application deletes from it is a decision someone should have made on purpose: should
    the children go too (``CASCADE``), be detached (``SET NULL``), or should the delete be
    refused (``RESTRICT``)? The rule flags foreign keys left at ``NO ACTION`` whose referenced
    table is deleted from (the workload has DELETEs on it, or its statistics count deleted
    rows). Spell the decision out; the fix shows ``RESTRICT``, the explicit form of today's
    behaviour, re-created ``NOT VALID`` and validated separately so no long lock is taken.
    """

    id = "fk-on-delete-undecided"
    severity = Severity.WARNING
    fix = (
        "Re-create the constraint with an explicit ON DELETE action, NOT VALID, then VALIDATE "
        "it (only a SHARE UPDATE EXCLUSIVE lock for the scan)."
    )

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for con in ctx.catalog.constraints:
            if con.type != "f" or con.on_delete != "a" or con.ref_table is None:
                continue
            parent = ctx.catalog.tables.get(con.ref_table)
            deletes = ctx.workload.deletes.get(con.ref_table, ())
            if not deletes and (parent is None or parent.n_tup_del == 0):
                continue
            evidence = [s.query for s in deletes[:3]] or [
                f"{con.ref_table}: {parent.n_tup_del if parent else 0} rows deleted"
            ]
            yield self.finding(
                f"foreign key {con.name} to {con.ref_table} has no ON DELETE action, and "
                f"{con.ref_table} is deleted from",
                con.table,
                obj=con.name,
                fix=_recreate(con, "r"),
                rollback=_recreate(con, "a"),
                evidence=evidence,
            )


def _recreate(con: ConstraintInfo, on_delete: str) -> list[sql.Composable]:
    assert con.ref_table is not None
    table, name = Name(con.table.schema, con.table.name), Name(con.name)
    parts: list[sql.Composable] = [
        sql.SQL("FOREIGN KEY ({}) REFERENCES {} ({})").format(
            sql.SQL(", ").join(map(Name, con.columns)),
            Name(con.ref_table.schema, con.ref_table.name),
            sql.SQL(", ").join(map(Name, con.ref_columns)),
        )
    ]
    if con.match_type == "f":
        parts.append(sql.SQL("MATCH FULL"))
    parts.append(sql.SQL("ON DELETE {}").format(ACTIONS[on_delete]))
    if con.on_update in ACTIONS and con.on_update != "a":
        parts.append(sql.SQL("ON UPDATE {}").format(ACTIONS[con.on_update]))
    if con.deferrable:
        parts.append(sql.SQL("DEFERRABLE INITIALLY DEFERRED" if con.deferred else "DEFERRABLE"))
    parts.append(sql.SQL("NOT VALID"))
    return [
        sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}, ADD CONSTRAINT {} {}").format(
            table, name, name, sql.SQL(" ").join(parts)
        ),
        sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(table, name),
    ]
