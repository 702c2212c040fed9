"""Migration check ``int-key``: the live rule's question, asked of the keys a migration
creates."""

from __future__ import annotations

from collections.abc import Iterator

from pglast.enums import ConstrType

from advisor.lint.migration.check import Issue, MigrationContext
from advisor.lint.migration.checks._columns import (
    SERIAL_TYPES,
    ColumnCheck,
    NewColumn,
    base_type,
    constraints,
    retyped,
    type_base,
)
from advisor.lint.migration.source import Step
from advisor.lint.model import Severity

LABEL = {"int4": "integer", "int2": "smallint"}


class IntKeyColumn(ColumnCheck):
    """A key a migration creates as ``integer`` or ``smallint`` (a single-column primary key,
    a serial or identity column, or a foreign key column) runs out at 2,147,483,647 or 32,767:
    every INSERT then fails until the key, and every foreign key pointing at it, is widened by
    a rewrite of each table under an exclusive lock. Make keys ``bigint`` (``bigserial``, or
    ``bigint`` identity) from the start: four more bytes a row. Plain integer columns that are
    not keys (counts, quantities, line numbers in a composite key) are not flagged.
    """

    id = "int-key"
    severity = Severity.WARNING
    fix = "The same statement with bigint (bigserial for a serial)."
    squawk = ("prefer-bigint-over-int", "prefer-bigint-over-smallint")
    beyond_squawk = (
        "Flags keys only (primary, serial or identity, and foreign key columns), not every "
        "integer; the same id checks the live schema."
    )

    def column(self, col: NewColumn, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        width = base_type(col)[0]
        if col.action == "type" or width not in LABEL:
            return
        serial = type_base(col.definition) in SERIAL_TYPES
        identity = bool(constraints(col.definition, ConstrType.CONSTR_IDENTITY))
        if not (col.sole_key or serial or identity or col.foreign_key):
            return
        role = (
            "primary key"
            if col.sole_key
            else "serial column"
            if serial
            else "identity column"
            if identity
            else "foreign key"
        )
        declared = type_base(col.definition) if serial else LABEL[width]
        yield Issue(
            f"{role} {col.name} is {declared}: it runs out at "
            f"{'2,147,483,647' if width == 'int4' else '32,767'}",
            column=col.name,
            fix_sql=retyped(step.node, col, "bigserial" if serial else "bigint"),
        )
