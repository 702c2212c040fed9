"""When each statement of a migration file commits: the transaction a migration tool wraps the
file in, the explicit ``BEGIN ... COMMIT`` blocks written in it, and what goes wrong between them.

``--migration-format`` names the tool that runs the files (the names ``--write-migrations`` uses):

- ``sql`` (default): plain SQL run by ``psql -f``, and the SQL that ``alembic upgrade --sql`` or
  ``manage.py sqlmigrate`` print (they write their own BEGIN/COMMIT). A statement outside an
  explicit block commits on its own.
- ``golang-migrate``: its postgres driver sends the whole file as one query, and PostgreSQL runs a
  query of several statements as one implicit transaction (a COMMIT in it commits what came
  before; the statements after it form the next implicit transaction). A file of one statement
  runs outside any transaction block.
- ``flyway``: one transaction per file, unless a statement of the file is one Flyway recognises
  as unable to run in a transaction (``CREATE/DROP INDEX CONCURRENTLY``, ``VACUUM``, ``REINDEX
  SCHEMA|DATABASE|SYSTEM``, ...) or the script configuration ``<file>.conf`` says
  ``executeInTransaction``: then that setting, or no transaction, decides.
- ``alembic``, ``django``: SQL the tool runs inside the migration's transaction (``op.execute``,
  ``RunSQL`` in an atomic migration). After an explicit COMMIT the driver opens the next
  transaction by itself before the next statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pglast import ast
from pglast.enums import AlterTableType, TransactionStmtKind

from advisor.lint.migration.source import Step

_BEGIN = {TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START}
_END = {
    TransactionStmtKind.TRANS_STMT_COMMIT,
    TransactionStmtKind.TRANS_STMT_ROLLBACK,
    TransactionStmtKind.TRANS_STMT_PREPARE,
}
WRAPPING = ("flyway", "alembic", "django")  # the tool runs the file in its own transaction


def has_option(options: Sequence[ast.Node] | None, name: str) -> bool:
    return any(getattr(o, "defname", None) == name for o in options or ())


def _reindex_concurrently(node: ast.ReindexStmt) -> bool:
    return has_option(node.params, "concurrently")


def refused_in_transaction(node: ast.Node, pg_version: int | None = None) -> str | None:
    """What the statement is, when PostgreSQL refuses to run it inside a transaction block."""
    if isinstance(node, ast.IndexStmt) and node.concurrent:
        return "CREATE INDEX CONCURRENTLY"
    if isinstance(node, ast.DropStmt) and node.concurrent:
        return "DROP INDEX CONCURRENTLY"
    if isinstance(node, ast.ReindexStmt):
        if _reindex_concurrently(node):
            return "REINDEX CONCURRENTLY"
        if node.kind is not None and node.kind.name in (
            "REINDEX_OBJECT_SCHEMA",
            "REINDEX_OBJECT_DATABASE",
            "REINDEX_OBJECT_SYSTEM",
        ):
            return f"REINDEX {node.kind.name.rpartition('_')[2]}"
    if isinstance(node, ast.AlterTableStmt) and any(
        isinstance(c, ast.AlterTableCmd)
        and c.subtype == AlterTableType.AT_DetachPartition
        and getattr(c.def_, "concurrent", False)
        for c in node.cmds or ()
    ):
        return "DETACH PARTITION CONCURRENTLY"
    if isinstance(node, ast.VacuumStmt) and node.is_vacuumcmd:
        return "VACUUM"
    if isinstance(node, ast.CreatedbStmt | ast.DropdbStmt):
        return "CREATE DATABASE" if isinstance(node, ast.CreatedbStmt) else "DROP DATABASE"
    if isinstance(node, ast.CreateTableSpaceStmt | ast.DropTableSpaceStmt):
        return "CREATE/DROP TABLESPACE"
    if isinstance(node, ast.AlterSystemStmt):
        return "ALTER SYSTEM"
    if isinstance(node, ast.AlterEnumStmt) and node.newVal and (pg_version or 99) < 12:
        return "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)"
    return None


def flyway_runs_alone(node: ast.Node) -> bool:
    """Does Flyway's PostgreSQL parser recognise this statement as non-transactional?

    It matches ``CREATE/DROP INDEX CONCURRENTLY``, ``REINDEX SCHEMA|DATABASE|SYSTEM``,
    ``VACUUM``, ``ALTER SYSTEM``, ``CREATE/DROP DATABASE|TABLESPACE|SUBSCRIPTION``, ``ALTER TYPE
    ... ADD VALUE`` and ``DISCARD ALL``; not ``REINDEX ... CONCURRENTLY`` on an index or table,
    and not ``DETACH PARTITION ... CONCURRENTLY``.
    """
    if isinstance(node, ast.IndexStmt | ast.DropStmt) and node.concurrent:
        return True
    if isinstance(node, ast.ReindexStmt):
        return node.kind is not None and node.kind.name in (
            "REINDEX_OBJECT_SCHEMA",
            "REINDEX_OBJECT_DATABASE",
            "REINDEX_OBJECT_SYSTEM",
        )
    return isinstance(
        node,
        ast.VacuumStmt
        | ast.AlterSystemStmt
        | ast.CreatedbStmt
        | ast.DropdbStmt
        | ast.CreateTableSpaceStmt
        | ast.DropTableSpaceStmt
        | ast.CreateSubscriptionStmt
        | ast.DropSubscriptionStmt
        | ast.DiscardStmt,
    ) or (isinstance(node, ast.AlterEnumStmt) and bool(node.newVal))


def kind(node: ast.Node) -> str | None:
    """``begin``, ``end`` or None for a statement that is not transaction control."""
    if isinstance(node, ast.TransactionStmt):
        if node.kind in _BEGIN:
            return "begin"
        if node.kind in _END:
            return "end"
    return None


@dataclass(frozen=True)
class Problem:
    """A BEGIN, COMMIT or ROLLBACK that does not do what its author meant."""

    step: int
    detail: str
    fatal: bool = False  # the migration's work is lost, not only reordered


@dataclass(frozen=True)
class Transactions:
    """Per statement, the transaction it runs in (None: it commits on its own)."""

    blocks: tuple[int | None, ...]
    problems: tuple[Problem, ...] = ()
    explanation: str = ""  # why the file runs the way it does, for findings' details
    configured: bool = False  # Flyway: a script configuration set executeInTransaction

    def of(self, step: int) -> int | None:
        return self.blocks[step]

    def same(self, a: int, b: int) -> bool:
        return self.blocks[a] is not None and self.blocks[a] == self.blocks[b]


def _flyway_wraps(steps: Sequence[Step], execute_in_transaction: bool | None) -> bool:
    if execute_in_transaction is not None:
        return execute_in_transaction
    return not any(flyway_runs_alone(s.node) for s in steps)


def analyse(
    steps: Sequence[Step], migration_format: str, execute_in_transaction: bool | None = None
) -> Transactions:
    """The transaction blocks of a file run by ``migration_format`` (see the module docstring);
    ``execute_in_transaction``: Flyway's script configuration for the file, when it has one."""
    wraps = migration_format in WRAPPING
    why = {
        "sql": "each statement outside BEGIN ... COMMIT commits on its own",
        "golang-migrate": "golang-migrate sends the file as one query: one implicit transaction",
        "flyway": "Flyway runs the file in one transaction",
        "alembic": "alembic runs the file in the migration's transaction",
        "django": "django runs the file in the migration's transaction",
    }[migration_format]
    if migration_format == "flyway" and not _flyway_wraps(steps, execute_in_transaction):
        wraps = False
        why = (
            "Flyway runs the file without a transaction (executeInTransaction=false)"
            if execute_in_transaction is False
            else "Flyway runs the file without a transaction: it holds a statement Flyway "
            "knows cannot run in one"
        )
    implicit = migration_format == "golang-migrate" and len(steps) > 1
    blocks: list[int | None] = []
    problems: list[Problem] = []
    next_id = 0
    current: int | None = None  # the open block
    explicit = False  # the open block was started by a BEGIN in the file
    open_begin: int | None = None

    def start() -> int:
        nonlocal next_id
        next_id += 1
        return next_id - 1

    if wraps:
        current = start()
    for step in steps:
        what = kind(step.node)
        if what == "begin":
            if current is not None and (explicit or wraps):
                problems.append(
                    Problem(
                        step.index,
                        "BEGIN inside a transaction that is already open"
                        + (f" ({why})" if wraps and not explicit else "")
                        + ": PostgreSQL ignores it with a warning, and the COMMIT meant for it "
                        "ends the outer transaction early",
                    )
                )
            elif current is None:
                current = start()
            explicit = True
            open_begin = step.index
            blocks.append(current)
            continue
        if what == "end":
            if current is None or (implicit and not explicit):
                problems.append(
                    Problem(
                        step.index,
                        f"{_end_word(step)} without a transaction to end: PostgreSQL warns "
                        "\u201cthere is no transaction in progress\u201d"
                        + (" and commits the implicit transaction" if implicit else ""),
                    )
                )
            elif wraps and not explicit:
                problems.append(
                    Problem(
                        step.index,
                        f"{_end_word(step)} ends the transaction the tool opened ({why}): what "
                        "follows runs in another one, and a failure there cannot undo what came "
                        "before",
                    )
                )
            blocks.append(current)
            current, explicit, open_begin = None, False, None
            continue
        if current is None and (wraps or implicit):
            current = start()
        blocks.append(current)
    if explicit and open_begin is not None:
        problems.append(
            Problem(
                open_begin,
                "BEGIN is never committed: when the session ends PostgreSQL rolls the whole "
                "block back",
                fatal=True,
            )
        )
    return Transactions(tuple(blocks), tuple(problems), why, execute_in_transaction is not None)


def _end_word(step: Step) -> str:
    node = step.node
    if (
        isinstance(node, ast.TransactionStmt)
        and node.kind == TransactionStmtKind.TRANS_STMT_ROLLBACK
    ):
        return "ROLLBACK"
    return "COMMIT"
