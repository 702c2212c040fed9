"""Write migrations for recommendations in one of the registered formats.

``write(directory, recommendations, fmt)`` is the entry point; ``write_migrations`` keeps the
original ``sql`` behaviour: numbered ``NNN_create_<index>.up.sql`` / ``.down.sql`` pairs, one
statement each (``CREATE INDEX CONCURRENTLY`` cannot run inside a transaction block), safe to
re-run through ``IF NOT EXISTS`` / ``IF EXISTS``, numbered after the highest number already in
the directory. An index a migration of the directory already builds is not written again
(``already_there`` says which). See ``advisor.migrate.formats`` for every format.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from advisor.migrate import formats
from advisor.migrate.formats.base import MigrationFormat
from advisor.model import Recommendation


def write(
    directory: Path,
    recommendations: Sequence[Recommendation],
    fmt: str | MigrationFormat = formats.DEFAULT,
    *,
    since: str | None = None,
) -> list[Path]:
    """Write one migration per recommendation whose index ``directory`` does not build yet;
    the paths written, in order. ``since``: the start of the statistics window."""
    chosen = formats.get(fmt) if isinstance(fmt, str) else fmt
    return chosen.write(directory, recommendations, since=since)


def already_there(
    directory: Path,
    recommendations: Sequence[Recommendation],
    fmt: str | MigrationFormat = formats.DEFAULT,
) -> list[Recommendation]:
    """The recommendations whose index a migration in ``directory`` already builds."""
    chosen = formats.get(fmt) if isinstance(fmt, str) else fmt
    fresh = chosen.not_yet_in(directory, recommendations)
    return [r for r in recommendations if r not in fresh]


def write_migrations(directory: Path, recommendations: Sequence[Recommendation]) -> list[Path]:
    """The default ``sql`` format (what ``--write-migrations`` always wrote)."""
    return write(directory, recommendations, formats.DEFAULT)
