"""An index on a partitioned table, built without ever blocking writes, and its way back.

PostgreSQL refuses ``CREATE INDEX CONCURRENTLY`` on a partitioned table, and a plain ``CREATE
INDEX`` there blocks writes to every partition for the whole build. This sequence never does:

1. ``CREATE INDEX IF NOT EXISTS p ON ONLY parent (...)``: a catalog entry without storage,
   INVALID until every partition has an index attached to it;
2. partition by partition, depth first: a leaf gets ``CREATE INDEX CONCURRENTLY IF NOT EXISTS``
   then ``ALTER INDEX p ATTACH PARTITION``; a sub-partitioned partition gets its own ``ON ONLY``
   index, its partitions' indexes attached to that one the same way, and is attached to ``p``
   last, once it is valid (bottom up: attaching a valid child never has to lock the parents);
3. the last attach makes ``p`` valid.

A partition that already holds an equivalent valid index (the same definition but for its
name) has that one attached instead of a second build; an index already attached to ``p``
(a previous run that stopped half-way, or a partition created since) is left as it is.

``plan`` reads a ``PartitionNode`` tree: the analysis catalog's when a migration is written
(``Catalog.partition_tree``), the live one when ``advisor apply`` runs. Statements for each
partition are the parent's ``CREATE INDEX`` parsed once by pglast and aimed at the partition
(``Template``): the same keys, method, INCLUDE and predicate, never text surgery.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pglast import ast
from pglast.stream import RawStream

from advisor.db import ddl
from advisor.model import TableRef
from advisor.parse import syntax
from advisor.parse.syntax import Unparsable

IndexRef = tuple[str, str]  # (schema, name): an index lives in its table's schema


@dataclass(frozen=True)
class IndexOnPartition:
    """An index that is already on a table of the tree."""

    name: str
    definition: str  # pg_get_indexdef
    valid: bool
    attached_to: IndexRef | None = None  # the partitioned index it is a partition of


@dataclass(frozen=True)
class PartitionNode:
    """A table of the partition tree: ``kind`` ``p`` partitioned, ``r`` a leaf, ``f`` foreign."""

    table: TableRef
    kind: str
    children: tuple[PartitionNode, ...] = ()
    indexes: tuple[IndexOnPartition, ...] = ()

    def leaves(self) -> tuple[TableRef, ...]:
        if self.kind != "p":
            return (self.table,)
        return tuple(leaf for child in self.children for leaf in child.leaves())


def tree(
    root: TableRef,
    kind: str,
    partitions: Mapping[TableRef, Iterable[tuple[TableRef, str]]],
    indexes: Callable[[TableRef], Iterable[IndexOnPartition]],
) -> PartitionNode:
    """The tree under ``root``: ``partitions`` maps a table to its (partition, kind) pairs,
    ``indexes`` gives the indexes a table holds."""
    children = tuple(tree(child, k, partitions, indexes) for child, k in partitions.get(root, ()))
    return PartitionNode(root, kind, children, tuple(indexes(root)))


class TemplateError(ValueError):
    """The statement is not one named CREATE INDEX."""


class Template:
    """The parent's ``CREATE INDEX``, aimed at any table of the tree."""

    def __init__(self, create_sql: str) -> None:
        try:
            statements = syntax.parse(create_sql)
        except Unparsable as exc:
            raise TemplateError(f"cannot parse the CREATE INDEX statement: {exc.reason}") from None
        if len(statements) != 1 or not isinstance(statements[0].stmt, ast.IndexStmt):
            raise TemplateError("expected exactly one CREATE INDEX statement")
        self._node: ast.IndexStmt = statements[0].stmt

    def statement(self, table: TableRef, name: str | None, *, only: bool) -> str:
        """``CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON table``, or ``ON ONLY`` (not
        concurrently: PostgreSQL refuses that on a partitioned table, and it builds nothing)."""
        node = copy.deepcopy(self._node)
        node.relation = ast.RangeVar(
            schemaname=table.schema, relname=table.name, inh=not only, relpersistence="p"
        )
        node.idxname = name
        node.concurrent = not only
        node.if_not_exists = name is not None
        return str(RawStream()(node))

    def same_as(self, definition: str, table: TableRef) -> bool:
        """Whether ``definition`` (``pg_get_indexdef``) is this index on ``table``, but for its
        name. The server adds casts to expressions: False may only mean "written differently"."""
        try:
            statements = syntax.parse(definition)
        except Unparsable:
            return False
        if len(statements) != 1:
            return False
        found = statements[0].stmt
        return isinstance(found, ast.IndexStmt) and normalized(found, name=False) == self._on(table)

    def _on(self, table: TableRef) -> str:
        node = copy.deepcopy(self._node)
        node.relation = ast.RangeVar(
            schemaname=table.schema, relname=table.name, inh=True, relpersistence="p"
        )
        return normalized(node, name=False)


def normalized(node: ast.IndexStmt, *, name: bool = True) -> str:
    """A CREATE INDEX as text without CONCURRENTLY, IF NOT EXISTS and ONLY (and without its
    name unless ``name``): equal for two statements that define the same index."""
    node = copy.deepcopy(node)
    if not name:
        node.idxname = None
    node.concurrent = False
    node.if_not_exists = False
    if node.relation is not None:
        node.relation.inh = True
    return str(RawStream()(node))


class Action(enum.StrEnum):
    ONLY = "create on only"  # the index of a partitioned table, without its partitions
    BUILD = "build"  # a leaf's index, CONCURRENTLY
    ATTACH = "attach"  # a partition's index joins its parent's


@dataclass(frozen=True)
class Step:
    action: Action
    table: TableRef  # the table whose index this step creates or attaches
    name: str  # that index
    sql: str
    parent: IndexRef | None = None  # ATTACH: the index it joins
    reused: bool = False  # ATTACH of an index that was there before


@dataclass(frozen=True)
class BuildPlan:
    """What is left to do, in order, for the index ``name`` on the partitioned ``table``."""

    table: TableRef
    name: str
    steps: tuple[Step, ...]
    leaves: tuple[TableRef, ...]  # every leaf partition the index covers
    problems: tuple[str, ...] = ()  # why the index cannot become valid, if it cannot
    partition_names: tuple[tuple[TableRef, str], ...] = ()  # each table's index

    @property
    def reused(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.reused)

    def drop_statements(self) -> tuple[str, ...]:
        """The way back: the parent index (PostgreSQL drops every index attached below it with
        it), then what a build that stopped half-way may have left unattached."""
        out = [ddl.drop_index(self.table.schema, self.name, if_exists=True).as_string(None)]
        for step in self.steps:
            if step.action is Action.ONLY and step.table != self.table:
                drop = ddl.drop_index(step.table.schema, step.name, if_exists=True)
                out.append(drop.as_string(None))
        for step in self.steps:
            if step.action is Action.BUILD:
                schema, name = step.table.schema, step.name
                drop = ddl.drop_index(schema, name, concurrently=True, if_exists=True)
                out.append(drop.as_string(None))
        return tuple(out)


# A name for a partition's new index: (parent table, parent index, partition) -> name
Namer = Callable[[TableRef, str, TableRef], str]


class _Planner:
    def __init__(self, template: Template, namer: Namer) -> None:
        self.template = template
        self.namer = namer
        self.steps: list[Step] = []
        self.problems: list[str] = []
        self.names: list[tuple[TableRef, str]] = []

    def children(self, node: PartitionNode, index: str) -> None:
        """Give every partition of ``node`` an index attached to ``node``'s index ``index``."""
        parent: IndexRef = (node.table.schema, index)
        for child in node.children:
            self.child(node, parent, child)

    def child(self, node: PartitionNode, parent: IndexRef, child: PartitionNode) -> None:
        if child.kind == "f":
            self.problems.append(
                f"partition {child.table} is a foreign table: it cannot hold an index, so an "
                f"index on {node.table} built partition by partition never becomes valid"
            )
            return
        same = [i for i in child.indexes if self.template.same_as(i.definition, child.table)]
        attached = next((i for i in child.indexes if i.attached_to == parent), None)
        if attached is not None:
            self.names.append((child.table, attached.name))
            if attached.valid:
                return
            if child.kind != "p":
                self.problems.append(
                    f"{ddl.display(child.table.schema, attached.name)} on {child.table} is "
                    f"attached to {ddl.display(*parent)} but INVALID (a failed build that was "
                    f"attached): drop {ddl.display(*parent)} and build it again"
                )
                return
            self.children(child, attached.name)  # an interrupted sub-partitioned level
            return
        ready = next((i for i in same if i.valid and i.attached_to is None), None)
        if ready is not None:
            self.names.append((child.table, ready.name))
            self._attach(parent, child.table, ready.name, reused=True)
            return
        if child.kind == "p":
            leftover = next((i for i in same if i.attached_to is None), None)
            name = leftover.name if leftover else self.namer(node.table, parent[1], child.table)
            self.names.append((child.table, name))
            if leftover is None:
                self.add(Action.ONLY, child.table, name, only=True)
            self.children(child, name)
            self._attach(parent, child.table, name)
            return
        name = self.namer(node.table, parent[1], child.table)
        self.names.append((child.table, name))
        self.add(Action.BUILD, child.table, name, only=False)
        self._attach(parent, child.table, name)

    def add(self, action: Action, table: TableRef, name: str, *, only: bool) -> None:
        self.steps.append(
            Step(action, table, name, self.template.statement(table, name, only=only))
        )

    def _attach(
        self, parent: IndexRef, table: TableRef, name: str, *, reused: bool = False
    ) -> None:
        attach = ddl.attach_index(parent[0], parent[1], table.schema, name)
        self.steps.append(Step(Action.ATTACH, table, name, attach.as_string(None), parent, reused))


def plan(template: Template, root: PartitionNode, name: str, namer: Namer) -> BuildPlan:
    """The steps that leave ``name`` on ``root`` valid, attached on every leaf partition."""
    planner = _Planner(template, namer)
    if not any(i.name == name for i in root.indexes):
        planner.add(Action.ONLY, root.table, name, only=True)
    planner.children(root, name)
    if not root.children:
        planner.problems.append(f"{root.table} has no partition yet")
    return BuildPlan(
        root.table,
        name,
        tuple(planner.steps),
        root.leaves(),
        tuple(planner.problems),
        tuple(planner.names),
    )


def name_source(
    taken: Callable[[str], set[str]], hints: Mapping[TableRef, str] | None = None
) -> Namer:
    """Names for new partition indexes: the ``hints`` given (a plan's or a migration's names),
    else ``ddl.partition_index_name``, unique in each schema (``taken(schema)`` is the set of
    names in use there, and is added to)."""
    given = dict(hints or {})

    def name(parent_table: TableRef, parent_index: str, partition: TableRef) -> str:
        used = taken(partition.schema)
        chosen = given.get(partition) or ddl.partition_index_name(
            parent_table.name, parent_index, partition.name, used
        )
        used.add(chosen)
        return chosen

    return name


def notes(build: BuildPlan) -> tuple[str, ...]:
    """What a reader of the advice must know about a partitioned build, one line each."""
    leaves = len(build.leaves)
    out = [
        f"{build.table} is partitioned: {build.name} is created ON ONLY {build.table} "
        f"(INVALID, no storage), then built CONCURRENTLY on each of its {leaves} leaf "
        f"partition{'s' if leaves != 1 else ''} and attached, which makes it valid",
        "the steps cover the partitions that existed when this was written; advisor apply "
        "reads the partitions again when it runs",
    ]
    for step in build.reused:
        out.append(
            f"{ddl.display(step.table.schema, step.name)} on {step.table} has the same "
            f"definition: it is attached instead of built again (dropping {build.name} drops it)"
        )
    out.extend(build.problems)
    return tuple(out)
