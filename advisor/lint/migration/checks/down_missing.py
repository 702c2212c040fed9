"""Migration check ``down-missing``."""

from __future__ import annotations

from advisor.lint.model import Severity
from advisor.lint.rule import Documented


class DownMissing(Documented):
    """An up migration named ``*.up.sql`` promises a ``*.down.sql`` beside it, and a down
    migration given with ``--down`` should contain statements. Without one, a bad deploy can
    only be rolled forward, under pressure. Write the down migration when the up one is fresh
    in mind; when a change truly cannot be undone, say so in a down file that raises an error.
    """

    id = "down-missing"
    severity = Severity.WARNING
    fix = "None: write NNN_name.down.sql that undoes the up migration."
