"""The base of a migration check, what it sees (the file, the live catalog when there is a DSN)
and what it reports (``Issue``: the run attaches file, line, lock and table size).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from pglast import ast
from pglast.enums import AlterTableType, ObjectType
from pglast.stream import RawStream

from advisor.lint.catalog import LintCatalog, TableInfo
from advisor.lint.migration.inventory import Inventory
from advisor.lint.migration.source import MigrationFile, Step
from advisor.lint.migration.transactions import Transactions, analyse
from advisor.lint.model import Severity
from advisor.lint.rule import Documented


@dataclass(frozen=True)
class Issue:
    detail: str
    column: str | None = None
    obj: str | None = None
    fix_sql: str | None = None
    severity: Severity | None = None  # set: overrides the check's severity and size scaling
    relation: ast.RangeVar | None = None  # default: the statement's table
    lock: str | None = None  # default: the lock the statement takes on its table


def same_table(a: ast.RangeVar, b: ast.RangeVar) -> bool:
    if a.relname != b.relname:
        return False
    return a.schemaname is None or b.schemaname is None or a.schemaname == b.schemaname


@dataclass(frozen=True)
class MigrationContext:
    """What a check sees besides its statement: the file, when each statement commits, what the
    whole run of files creates, and with ``--dsn`` the live catalog and the server's version."""

    file: MigrationFile
    catalog: LintCatalog | None = None  # with --dsn
    volatility: dict[str, str] = field(default_factory=dict)  # function name -> i/s/v (--dsn)
    migration_format: str = "sql"
    transactions: Transactions | None = None  # default: as ``migration_format`` runs the file
    pg_version: int | None = None  # major version: the server's with --dsn, else --pg-version
    inventory: Inventory = field(default_factory=Inventory)
    position: int = 0  # this file's place in the run, for the inventory

    @property
    def tx(self) -> Transactions:
        return self.transactions or analyse(self.file.steps, self.migration_format)

    def version_at_least(self, major: int) -> bool | None:
        """None when the version is unknown (no --dsn, no --pg-version)."""
        return None if self.pg_version is None else self.pg_version >= major

    def created_before(self, relation: ast.RangeVar | None, index: int) -> bool:
        """Was this table created earlier in the same file (so nobody uses it yet)?"""
        if relation is None:
            return False
        for step in self.file.steps[:index]:
            made = step.node.relation if isinstance(step.node, ast.CreateStmt) else None
            if isinstance(step.node, ast.CreateTableAsStmt) and step.node.into is not None:
                made = step.node.into.rel
            if made is not None and same_table(made, relation):
                return True
        return False

    def existing(self, step: Step) -> ast.RangeVar | None:
        """The table the statement works on, unless this file created it (nobody uses it yet)."""
        relation = getattr(step.node, "relation", None)
        if not isinstance(relation, ast.RangeVar) or self.created_before(relation, step.index):
            return None
        return relation

    def table(self, relation: ast.RangeVar | None) -> TableInfo | None:
        if relation is None or self.catalog is None or not relation.relname:
            return None
        return self.catalog.resolve(relation.schemaname, relation.relname)

    def index_table(self, schema: str | None, index: str) -> TableInfo | None:
        """The live table an index (as DROP INDEX or REINDEX name it) belongs to."""
        if self.catalog is None:
            return None
        for ref, indexes in self.catalog.indexes.items():
            if (schema is None or ref.schema == schema) and any(i.name == index for i in indexes):
                return self.catalog.tables.get(ref)
        return None


class MigrationCheck(Documented):
    """Base class of per-statement migration checks.

    ``scales_with_size``: the statement rewrites or scans the table under a lock that blocks
    writes, so with a DSN the severity follows the table's size: an error from
    ``max-blocking-size`` on, a warning below (a note below ``small-table``, when that is set).
    """

    scales_with_size: ClassVar[bool] = False

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        raise NotImplementedError


def alter_cmds(node: ast.Node) -> list[ast.AlterTableCmd]:
    """The subcommands of an ALTER TABLE (not of ALTER INDEX, VIEW, ...)."""
    if not isinstance(node, ast.AlterTableStmt) or node.objtype != ObjectType.OBJECT_TABLE:
        return []
    return [c for c in node.cmds or () if isinstance(c, ast.AlterTableCmd)]


def cmds_of(node: ast.Node, subtype: AlterTableType) -> list[ast.AlterTableCmd]:
    return [c for c in alter_cmds(node) if c.subtype == subtype]


def deparse(node: ast.Node) -> str:
    """SQL text for a node, as PostgreSQL's own grammar prints it, ending with ``;``."""
    return str(RawStream()(node)) + ";"


def table_sql(relation: ast.RangeVar) -> str:
    return str(RawStream()(relation))


def alter(relation: ast.RangeVar, *cmds: ast.AlterTableCmd) -> ast.AlterTableStmt:
    return ast.AlterTableStmt(
        relation=relation, cmds=tuple(cmds), objtype=ObjectType.OBJECT_TABLE, missing_ok=False
    )
