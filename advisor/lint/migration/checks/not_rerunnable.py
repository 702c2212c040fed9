"""Migration check ``not-rerunnable``."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType
from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.migration.check import (
    Issue,
    MigrationCheck,
    MigrationContext,
    alter_cmds,
    deparse,
)
from advisor.lint.migration.safe_steps import check_name, object_name, table_name
from advisor.lint.migration.source import Step
from advisor.lint.migration.transactions import kind
from advisor.lint.model import Severity
from advisor.lint.rule import render_sql

_GUARDED = {  # node type -> the flag that makes it a no-op the second time
    ast.CreateStmt: "if_not_exists",
    ast.IndexStmt: "if_not_exists",
    ast.CreateSeqStmt: "if_not_exists",
    ast.CreateSchemaStmt: "if_not_exists",
    ast.CreateExtensionStmt: "if_not_exists",
    ast.DropStmt: "missing_ok",
    ast.ViewStmt: "replace",
    ast.CreateFunctionStmt: "replace",
}
_ALTER_GUARDED = {
    AlterTableType.AT_AddColumn,
    AlterTableType.AT_DropColumn,
    AlterTableType.AT_DropConstraint,
}


def _fallible(node: ast.Node) -> bool:
    return kind(node) is None and not isinstance(node, ast.VariableSetStmt)


def _constraint_name(relation: ast.RangeVar, con: ast.Constraint) -> str:
    if con.conname:
        return con.conname
    table = relation.relname or ""
    columns = "_".join(getattr(k, "sval", "") for k in (con.fk_attrs or con.keys or ()))
    if con.contype == ConstrType.CONSTR_CHECK:
        return check_name(table, con.raw_expr)
    if con.contype == ConstrType.CONSTR_PRIMARY:
        return object_name(table, label="pkey")
    label = "fkey" if con.contype == ConstrType.CONSTR_FOREIGN else "key"
    if con.contype == ConstrType.CONSTR_EXCLUSION:
        label = "excl"
    return object_name(table, columns, label=label)


def _alter_fix(node: ast.AlterTableStmt, ctx: MigrationContext, step: Step) -> str | None:
    """The ALTER with IF [NOT] EXISTS on each subcommand, and a DROP CONSTRAINT IF EXISTS
    before each constraint it adds (named as PostgreSQL would name it)."""
    fixed = copy.deepcopy(node)
    drops: list[sql.Composable] = []
    changed = False
    assert node.relation is not None
    for cmd in alter_cmds(fixed):
        if cmd.subtype in _ALTER_GUARDED and not cmd.missing_ok:
            cmd.missing_ok = changed = True
        elif cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(
            cmd.def_, ast.Constraint
        ):
            name = _constraint_name(node.relation, cmd.def_)
            if not _dropped_before(ctx, step, name):
                cmd.def_.conname = name
                drops.append(
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(
                        table_name(node.relation), Name(name)
                    )
                )
                changed = True
    if not changed:
        return None
    return "\n".join([*([render_sql(drops)] if drops else []), deparse(fixed)])


def _dropped_before(ctx: MigrationContext, step: Step, name: str) -> bool:
    return any(
        isinstance(s.node, ast.AlterTableStmt)
        and any(
            c.subtype == AlterTableType.AT_DropConstraint and c.name == name and c.missing_ok
            for c in alter_cmds(s.node)
        )
        for s in ctx.file.steps[: step.index]
    )


def robust(node: ast.Node, ctx: MigrationContext, step: Step) -> str | None:
    """The statement made a no-op when it already ran; None when it is one already (or has no
    such form)."""
    if isinstance(node, ast.AlterTableStmt):
        return _alter_fix(node, ctx, step)
    flag = next((f for t, f in _GUARDED.items() if isinstance(node, t)), None)
    if flag is None or getattr(node, flag):
        return None
    if isinstance(node, ast.DropStmt) and node.concurrent and len(node.objects or ()) > 1:
        return None
    fixed = copy.deepcopy(node)
    setattr(fixed, flag, True)
    if isinstance(fixed, ast.IndexStmt) and not fixed.idxname and fixed.relation is not None:
        keys = [p.name or "expr" for p in fixed.indexParams or () if isinstance(p, ast.IndexElem)]
        fixed.idxname = object_name(fixed.relation.relname or "", "_".join(keys), label="idx")
    return deparse(fixed)


class NotRerunnable(MigrationCheck):
    """A migration that does not run as one transaction can fail halfway: a ``lock_timeout``
    fires (as it should), a ``CREATE INDEX CONCURRENTLY`` hits a duplicate. What ran before
    stays, and the retry then fails at the first statement that cannot run twice (``column
    already exists``). Statements that later ones could leave half-applied should be no-ops
    the second time: ``CREATE ... IF NOT EXISTS``, ``ADD COLUMN IF NOT EXISTS``, ``DROP ... IF
    EXISTS``, ``CREATE OR REPLACE``, and a ``DROP CONSTRAINT IF EXISTS`` before an ``ADD
    CONSTRAINT``. The check knows which statements share a transaction (``BEGIN ... COMMIT``
    and ``--migration-format``): a file run as one transaction is rolled back whole and is not
    flagged, nor is the last statement that can fail. A failed ``CREATE INDEX CONCURRENTLY``
    leaves an INVALID index behind, so it is flagged even alone; note that ``IF NOT EXISTS``
    then skips the INVALID index: drop it before retrying.
    """

    id = "not-rerunnable"
    severity = Severity.INFO
    fix = (
        "The same statement with IF [NOT] EXISTS / OR REPLACE (constraints: drop if exists first)."
    )
    squawk = ("prefer-robust-stmts",)
    beyond_squawk = (
        "Flags a statement only when something after it, in another transaction, can fail "
        "(or when it is a concurrent build), knowing the transactions each migration tool uses; "
        "names unnamed indexes and constraints as PostgreSQL would so the fix can guard them."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        fix = robust(step.node, ctx, step)
        if fix is None:
            return
        tx = ctx.tx
        concurrent = isinstance(step.node, ast.IndexStmt) and step.node.concurrent
        later = [
            s
            for s in ctx.file.steps[step.index + 1 :]
            if _fallible(s.node) and not tx.same(step.index, s.index)
        ]
        if not later and not concurrent:
            return
        why = (
            "a failed CONCURRENTLY build leaves an INVALID index of that name"
            if concurrent and not later
            else f"if line {later[0].line} fails, this already ran and a retry stops here"
        )
        yield Issue(f"cannot run twice: {why}", fix_sql=fix)
