"""Migration check ``down-incomplete``."""

from __future__ import annotations

from advisor.lint.model import Severity
from advisor.lint.rule import Documented


class DownIncomplete(Documented):
    """A down migration should undo what its up migration did: drop what it created, re-create
    what it dropped, rename back what it renamed, relax the constraints it added. Each change of
    the up migration that the down migration does not reverse is reported at the up statement
    that made it (names are matched without schema). Some changes cannot be reversed at all,
    such as a value added to an enum type or the data of a dropped column; they are reported so
    that the team knows the rollback is partial.
    """

    id = "down-incomplete"
    severity = Severity.WARNING
    fix = "None: add the inverse statement to the down migration."
