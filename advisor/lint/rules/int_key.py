"""Rule ``int-key``."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext
from advisor.lint.rules.int_sequence_exhaustion import TYPE_LABEL, TYPE_MAX
from advisor.model import TableRef


class IntKey(Rule):
    """A single-column primary key, serial or identity column of type ``integer`` or
    ``smallint`` runs out at 2,147,483,647 (or 32,767): INSERTs then fail until the key, and
    every foreign key that points at it, is widened, which rewrites each of those tables under
    an exclusive lock. The earlier that is planned, the smaller the tables are. The rule flags
    such keys while their sequence is still far from the end (``int-sequence-exhaustion`` takes
    over past ``sequence-threshold``). Plain integer columns and members of composite keys (a
    line number) are not flagged.
    """

    id = "int-key"
    severity = Severity.WARNING
    fix = (
        "None as one statement: plan the move to bigint (on a big table: a bigint column "
        "filled in batches and swapped) while the table is small."
    )
    squawk = ("prefer-bigint-over-int", "prefer-bigint-over-smallint")
    beyond_squawk = "squawk has no live check; this one skips what int-sequence-exhaustion reports."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        fed: dict[tuple[TableRef, str], float] = {}
        for seq in ctx.catalog.sequences:
            if seq.column_type_name in TYPE_LABEL:
                limit = min(TYPE_MAX[seq.column_type_name], seq.sequence_max)
                last = seq.last_value or 0
                fed[(seq.table, seq.column)] = last / limit if limit > 0 else 0.0
        for table in ctx.catalog.tables.values():
            keys = [c.columns for c in ctx.catalog.constraints_of(table.ref, "p")]
            for col in table.columns:
                if col.type_name not in TYPE_LABEL:
                    continue
                used = fed.get((table.ref, col.name))
                if used is not None and used >= ctx.config.sequence_threshold:
                    continue  # int-sequence-exhaustion reports it
                sole_key = (col.name,) in keys
                if not (sole_key or col.identity or (table.ref, col.name) in fed):
                    continue
                role = "primary key" if sole_key else "sequence-fed column"
                detail = f"{role} {col.name} is {TYPE_LABEL[col.type_name]}"
                if used:
                    detail += f"; its sequence has used {used:.2%} of the range"
                yield self.finding(detail, table.ref, column=col.name)
