"""Rule ``int-sequence-exhaustion``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.history import exhaustion_date
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext

TYPE_MAX = {"int2": 32_767, "int4": 2_147_483_647, "int8": 9_223_372_036_854_775_807}
TYPE_LABEL = {"int2": "smallint", "int4": "integer"}
ERROR_FRACTION = 0.9


class IntSequenceExhaustion(Rule):
    """An ``integer`` (or ``smallint``) column fed by a sequence stops accepting rows the day the
    sequence passes 2,147,483,647: every INSERT fails until the column is widened, and widening
    a big table's key rewrites it and every index and foreign key that points at it, under an
    exclusive lock. The rule reports serial and identity columns whose sequence has used more
    than ``sequence-threshold`` of the column's range (an error from 90 %). With a history of
    the sequence's values it also says when it runs out at the current rate. New keys should be
    ``bigint`` from the start.
    """

    id = "int-sequence-exhaustion"
    severity = Severity.WARNING
    fix = (
        "Widen the column and its sequence to bigint (a rewrite: on a big table, add a bigint "
        "column, backfill it in batches and swap instead)."
    )

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for seq in ctx.catalog.sequences:
            if seq.column_type_name not in TYPE_LABEL or seq.last_value is None:
                continue
            limit = min(TYPE_MAX[seq.column_type_name], seq.sequence_max)
            if seq.increment < 0 or limit <= 0:
                continue
            used = seq.last_value / limit
            if used < ctx.config.sequence_threshold:
                continue
            detail = (
                f"{TYPE_LABEL[seq.column_type_name]} column fed by sequence {seq.name} has used "
                f"{used:.1%} of its range ({seq.last_value:,} of {limit:,})"
            )
            if ctx.history is not None:
                points = ctx.history.sequence_points(seq.schema, seq.name)
                when = exhaustion_date(points, limit)
                if when is not None:
                    detail += f"; at the current rate it runs out on {when:%Y-%m-%d}"
            table = Name(seq.table.schema, seq.table.name)
            fix = [
                sql.SQL("-- rewrites the table and its indexes under an ACCESS EXCLUSIVE lock"),
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE bigint").format(
                    table, Name(seq.column)
                ),
                sql.SQL("ALTER SEQUENCE {} AS bigint").format(Name(seq.schema, seq.name)),
            ]
            severity = Severity.ERROR if used >= ERROR_FRACTION else None
            yield self.finding(
                detail, seq.table, column=seq.column, obj=seq.name, fix=fix, severity=severity
            )
