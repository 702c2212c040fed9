"""Migration check ``add-foreign-key-validates``."""

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
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity


def not_valid_then_validate(relation: ast.RangeVar, constraint: ast.Constraint, name: str) -> str:
    """The constraint added NOT VALID, then validated: the scan runs under a weak lock."""
    fixed = copy.deepcopy(constraint)
    fixed.conname = name
    fixed.skip_validation = True
    fixed.initially_valid = False
    add = ast.AlterTableCmd(
        subtype=AlterTableType.AT_AddConstraint, def_=fixed, behavior=DropBehavior.DROP_RESTRICT
    )
    validate = ast.AlterTableCmd(
        subtype=AlterTableType.AT_ValidateConstraint,
        name=name,
        behavior=DropBehavior.DROP_RESTRICT,
    )
    return deparse(alter(relation, add)) + "\n" + deparse(alter(relation, validate))


def added_constraints(node: ast.Node, kind: ConstrType) -> list[ast.Constraint]:
    return [
        c.def_
        for c in cmds_of(node, AlterTableType.AT_AddConstraint)
        if isinstance(c.def_, ast.Constraint) and c.def_.contype == kind
    ]


def _names(nodes: tuple[ast.Node, ...] | None) -> list[str]:
    return [getattr(n, "sval", "") for n in nodes or ()]


class AddForeignKeyValidates(MigrationCheck):
    """Adding a foreign key checks every existing row against the referenced table while
    holding a SHARE ROW EXCLUSIVE lock on both tables: writes to either wait for the whole
    scan. Add it ``NOT VALID`` (new rows are checked at once, the statement is instant), then
    ``VALIDATE CONSTRAINT`` in a separate statement, which scans under a SHARE UPDATE EXCLUSIVE
    lock that lets reads and writes continue.
    """

    id = "add-foreign-key-validates"
    severity = Severity.WARNING
    fix = "ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT."
    scales_with_size = True

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        relation = getattr(step.node, "relation", None)
        if ctx.created_before(relation, step.index) or not isinstance(relation, ast.RangeVar):
            return
        for con in added_constraints(step.node, ConstrType.CONSTR_FOREIGN):
            if con.skip_validation:
                continue
            columns = _names(con.fk_attrs)
            name = con.conname or f"{relation.relname}_{'_'.join(columns)}_fkey"
            parent = con.pktable.relname if con.pktable is not None else "?"
            yield Issue(
                f"adds foreign key {name} to {parent} and validates it under a lock that "
                "blocks writes to both tables",
                column=columns[0] if len(columns) == 1 else None,
                obj=name,
                fix_sql=not_valid_then_validate(relation, con, name),
            )
