"""Rule ``no-primary-key``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.catalog import TableInfo
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext
from advisor.model import ExistingIndex


class NoPrimaryKey(Rule):
    """A table without a primary key has no stable way to name one row. Logical replication
    cannot publish its UPDATEs and DELETEs, tools that sync or archive rows have nothing to
    match on, duplicate rows creep in, and every other table that wants to refer to it has to
    invent a key. Give every table a primary key: a ``bigint`` identity column, or the natural
    key when one exists. When a unique index on NOT NULL columns is already there, it can be
    promoted to the primary key without building anything.
    """

    id = "no-primary-key"
    severity = Severity.WARNING
    fix = (
        "Promote an existing unique index on NOT NULL columns (ADD PRIMARY KEY USING INDEX), "
        "else add a bigint identity column as the key."
    )

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            if ctx.catalog.constraints_of(table.ref, "p"):
                continue
            usable = _promotable_index(table, ctx.catalog.indexes_of(table.ref))
            name = Name(table.ref.schema, table.ref.name)
            fix: list[sql.Composable] | None
            rollback: list[sql.Composable] | None = None
            if usable is not None:
                fix = [
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}").format(
                        name, Name(f"{table.ref.name}_pkey"[:63]), Name(usable.name)
                    )
                ]
                hint = f"unique index {usable.name} on NOT NULL columns can become the key"
            elif table.column("id") is None and table.kind == "r":
                fix = [
                    sql.SQL("-- rewrites the table under an ACCESS EXCLUSIVE lock"),
                    sql.SQL(
                        "ALTER TABLE {} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY "
                        "PRIMARY KEY"
                    ).format(name),
                ]
                rollback = [sql.SQL("ALTER TABLE {} DROP COLUMN id").format(name)]
                hint = "add a bigint identity key"
            else:
                fix = None
                hint = "make a unique NOT NULL column the key"
                if table.kind == "p":
                    hint += " (on a partitioned table it must include the partition key)"
            yield self.finding(
                f"table has no primary key; {hint}", table.ref, fix=fix, rollback=rollback
            )


def _promotable_index(table: TableInfo, indexes: tuple[ExistingIndex, ...]) -> ExistingIndex | None:
    for index in indexes:
        if not (index.is_unique and index.is_valid and index.method == "btree"):
            continue
        if index.predicate is not None or index.include:
            continue
        columns = [table.column(k) for k in index.keys]
        if all(c is not None and c.not_null for c in columns):
            return index
    return None
