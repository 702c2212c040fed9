"""Migration check ``down-missing``."""

from __future__ import annotations

from advisor.lint.model import Severity
from advisor.lint.rule import Documented


class DownMissing(Documented):
    """A migration format with down migrations should have one for every up migration: an
    ``X.up.sql`` a ``X.down.sql`` beside it (plain SQL and golang-migrate), a Flyway
    ``V<n>__x.sql`` a ``U<n>__x.sql`` once the project writes undo scripts at all, and a down
    migration given with ``--down`` should contain statements. alembic and django keep theirs in
    Python, where this check does not look. Without one, a bad deploy can only be rolled
    forward, under pressure. Write the down migration when the up one is fresh in mind; when a
    change truly cannot be undone, say so in a down file that raises an error.
    """

    id = "down-missing"
    severity = Severity.WARNING
    fix = "None: write NNN_name.down.sql that undoes the up migration."
