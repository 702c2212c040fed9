"""What to apply: the indexes of a saved plan, or of a folder of SQL migrations.

Every ``CREATE INDEX`` is checked with PostgreSQL's own parser before anything runs: it must be
exactly one ``CREATE INDEX`` statement, with a name (the cleanup of a failed build needs it)
and on the table the plan names. A statement without ``CONCURRENTLY`` gets it: apply never
builds an index with the lock that blocks writes. The ``DROP`` apply runs is composed from the
index's schema and name, never taken from the file.

An index on a partitioned table comes as the steps that build it (``CREATE INDEX ... ON ONLY``
the parent, then each partition's ``CREATE INDEX CONCURRENTLY`` and ``ALTER INDEX ... ATTACH
PARTITION``): apply keeps the parent's statement and the names given to the partitions'
indexes, and works out the steps again from the partitions as they are when it runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from pglast import ast
from pglast.enums import AlterTableType, ObjectType
from pglast.stream import RawStream

from advisor.db.partitioned import normalized
from advisor.errors import UsageError
from advisor.migrate.formats import evidence
from advisor.parse import syntax
from advisor.parse.syntax import Unparsable
from advisor.plan_file import PlannedIndex, load_plan

# Up migrations of the sql / golang-migrate format, and Flyway versioned scripts.
_UP_FILE = re.compile(r"^(\d+)_.*\.up\.sql$|^V(\d+)(?:[._]\d+)*__.*\.sql$")


@dataclass(frozen=True)
class Source:
    """The indexes to apply, in order, and what was read."""

    path: Path
    indexes: tuple[PlannedIndex, ...]
    database: str | None = None  # the database the plan was made on, when known
    system_identifier: str | None = None  # and its cluster's, when known
    ignored: tuple[str, ...] = ()  # migration files that are not a single CREATE INDEX


PartitionNames = tuple[tuple[str | None, str, str], ...]


def _steps(statements: list[ast.RawStmt]) -> tuple[ast.IndexStmt, PartitionNames] | None:
    """The parent's CREATE INDEX and the partitions' index names, when ``statements`` are the
    steps of an index on a partitioned table (ON ONLY first, then CREATE INDEX and ALTER INDEX
    ... ATTACH PARTITION only; SET / RESET, such as lock_timeout, aside); None otherwise."""
    nodes = [s.stmt for s in statements if not isinstance(s.stmt, ast.VariableSetStmt)]
    first = nodes[0] if nodes else None
    if not isinstance(first, ast.IndexStmt) or first.relation is None or first.relation.inh:
        return None
    names: list[tuple[str | None, str, str]] = []
    for node in nodes[1:]:
        if isinstance(node, ast.IndexStmt) and node.idxname and node.relation is not None:
            schema, table = _target(node)
            names.append((schema, table, str(node.idxname)))
        elif not _is_attach(node):
            return None
    return first, tuple(names)


def _is_attach(node: ast.Node | None) -> bool:
    return (
        isinstance(node, ast.AlterTableStmt)
        and node.objtype == ObjectType.OBJECT_INDEX
        and all(
            isinstance(c, ast.AlterTableCmd) and c.subtype == AlterTableType.AT_AttachPartition
            for c in node.cmds or ()
        )
    )


def _index_statement(sql_text: str, origin: str) -> tuple[ast.IndexStmt, PartitionNames]:
    try:
        statements = syntax.parse(sql_text)
    except Unparsable as exc:
        raise UsageError(
            f"{origin}: cannot parse the CREATE INDEX statement: {exc.reason}"
        ) from None
    found = _steps(list(statements)) if len(statements) > 1 else None
    if found is None:
        if len(statements) != 1 or not isinstance(statements[0].stmt, ast.IndexStmt):
            raise UsageError(f"{origin}: expected exactly one CREATE INDEX statement")
        found = (statements[0].stmt, ())
    node = found[0]
    if not node.idxname:
        raise UsageError(
            f"{origin}: the CREATE INDEX has no index name",
            "name it: a failed build can only be cleaned up by name",
        )
    return node, found[1]


def _target(node: ast.IndexStmt) -> tuple[str | None, str]:
    """(schema or None, table) the CREATE INDEX names."""
    relation = node.relation
    assert relation is not None and relation.relname  # the grammar requires ON <table>
    return relation.schemaname, str(relation.relname)


def checked(index: PlannedIndex) -> PlannedIndex:
    """``index`` with its CREATE statement verified, and made CONCURRENTLY when it was not."""
    origin = index.origin or index.name
    node, partition_names = _index_statement(index.create_sql, origin)
    schema, table = _target(node)
    if (node.idxname, schema, table) != (index.name, index.schema, index.table):
        raise UsageError(
            f"{origin}: the CREATE INDEX builds {node.idxname} on {table}, "
            f"not {index.name} on {index.table}"
        )
    assert node.relation is not None
    concurrent = bool(node.relation.inh)  # ON ONLY a partitioned table cannot be, builds nothing
    create_sql = index.create_sql
    if node.concurrent != concurrent or partition_names:
        node.concurrent = concurrent
        create_sql = RawStream()(node)
    return replace(
        index,
        create_sql=create_sql.strip().rstrip(";"),
        partition_names=partition_names or index.partition_names,
    )


def on_expressions(index: PlannedIndex) -> bool:
    """Whether the index has expressions among its keys, whose statistics only an ``ANALYZE``
    of its table gathers."""
    node, _ = _index_statement(index.create_sql, index.origin or index.name)
    return any(
        isinstance(elem, ast.IndexElem) and elem.expr is not None for elem in node.indexParams or ()
    )


def same_definition(existing: str, create_sql: str) -> bool:
    """Whether ``pg_get_indexdef`` text and a planned CREATE INDEX read the same once parsed.

    Ignores CONCURRENTLY, IF NOT EXISTS and ONLY. The server adds casts to expressions, so a False
    for an expression or partial index may only mean "written differently".
    """
    try:
        nodes = [syntax.parse(text)[0].stmt for text in (existing, create_sql)]
        texts = []
        for node in nodes:
            if not isinstance(node, ast.IndexStmt):
                return False
            texts.append(normalized(node))
    except Unparsable:
        return False
    return texts[0] == texts[1]


def _from_file(path: Path) -> PlannedIndex | None:
    text = path.read_text(encoding="utf-8")
    try:
        statements = syntax.parse(text)
    except Unparsable:  # not ours to judge, just not an index
        return None
    one = len(statements) == 1 and isinstance(statements[0].stmt, ast.IndexStmt)
    if not one and _steps(list(statements)) is None:
        return None
    node, partition_names = _index_statement(text, path.name)
    schema, table = _target(node)
    return PlannedIndex(
        schema=schema,
        table=table,
        name=str(node.idxname),
        create_sql=str(RawStream()(node)),
        drop_sql="",
        statements=evidence.read_statements(text),
        origin=path.name,
        partition_names=partition_names,
    )


def _version(path: Path) -> int:
    match = _UP_FILE.match(path.name)
    assert match is not None
    return int(match.group(1) or match.group(2))


def from_directory(directory: Path) -> Source:
    """The up migrations of the sql, golang-migrate and Flyway formats, by version."""
    files = sorted(
        (p for p in directory.iterdir() if p.is_file() and _UP_FILE.match(p.name)),
        key=lambda p: (_version(p), p.name),
    )
    indexes: list[PlannedIndex] = []
    ignored: list[str] = []
    for path in files:
        found = _from_file(path)
        if found is None:
            ignored.append(path.name)
        else:
            indexes.append(checked(found))
    if not indexes:
        raise UsageError(
            f"no CREATE INDEX migrations in {directory}",
            "apply reads *.up.sql and Flyway V*__*.sql files holding one CREATE INDEX each "
            "(or the steps of one on a partitioned table); "
            "Alembic and Django migrations run with their own tools",
        )
    return Source(directory, tuple(indexes), ignored=tuple(ignored))


def load(path: Path) -> Source:
    """A saved plan file, or a migrations folder."""
    if path.is_dir():
        return from_directory(path)
    plan = load_plan(path)
    if not plan.indexes:
        raise UsageError(f"the plan {path} holds no index", "nothing to apply")
    return Source(
        path,
        tuple(checked(i) for i in plan.indexes),
        database=plan.database,
        system_identifier=plan.system_identifier,
    )
