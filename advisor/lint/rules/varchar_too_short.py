"""Rule ``varchar-too-short``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.model import LintFinding, Severity
from advisor.lint.naming import is_email_column, is_person_name_column
from advisor.lint.rule import Rule, RuleContext


class VarcharTooShort(Rule):
    """Names and e-mail addresses do not fit in small boxes: people have long names,
    double-barrelled surnames and names in scripts where one character is several bytes, and an
    address may be 254 characters long. A ``varchar(30)`` on such a column turns a real
    customer into an error at sign-up. ``varchar(n)`` is no faster than ``text`` in PostgreSQL;
    use ``text`` (with a CHECK if a limit is truly a business rule). The rule flags name columns
    (``name``, ``*_name``) shorter than ``name-min-length`` (64) and e-mail columns shorter than
    ``email-min-length`` (254).
    """

    id = "varchar-too-short"
    severity = Severity.WARNING
    fix = "Change the column to text: widening varchar needs no table rewrite."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            for col in table.columns:
                length = col.char_length
                if col.type_name != "varchar" or length is None:
                    continue
                if is_email_column(col.name):
                    minimum, what = ctx.config.email_min_length, "e-mail"
                elif is_person_name_column(col.name):
                    minimum, what = ctx.config.name_min_length, "name"
                else:
                    continue
                if length >= minimum:
                    continue
                fix = [
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE text").format(
                        Name(table.ref.schema, table.ref.name), Name(col.name)
                    )
                ]
                yield self.finding(
                    f"{what} column is {col.type}: shorter than {minimum} characters",
                    table.ref,
                    column=col.name,
                    fix=fix,
                    rollback=[
                        sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE varchar({})").format(
                            Name(table.ref.schema, table.ref.name),
                            Name(col.name),
                            sql.Literal(length),
                        )
                    ],
                )
