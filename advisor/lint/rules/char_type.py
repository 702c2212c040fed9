"""Rule ``char-type``."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.model import LintFinding, Severity
from advisor.lint.rule import Rule, RuleContext


class CharType(Rule):
    """``char(n)`` pads every value with spaces to n characters, ignores trailing spaces in
    comparisons but not in ``LIKE`` or regular expressions, and keeps or drops the padding
    depending on which function reads it. It saves nothing: it is stored like ``varchar``. A
    code of fixed length is ``text`` with a CHECK on its shape (``CHECK (code ~ '^[A-Z]{3}$')``),
    which says what the rule is instead of silently padding.
    """

    id = "char-type"
    severity = Severity.WARNING
    fix = "Change the column to text (a rewrite: the padding is removed) and add a CHECK."

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        for table in ctx.catalog.tables.values():
            for col in table.columns:
                if col.type_name != "bpchar":
                    continue
                fix = [
                    sql.SQL("-- rewrites the table under an ACCESS EXCLUSIVE lock"),
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE text").format(
                        Name(table.ref.schema, table.ref.name), Name(col.name)
                    ),
                ]
                yield self.finding(f"column is {col.type}", table.ref, column=col.name, fix=fix)
