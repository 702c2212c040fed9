"""Migration formats for ``--write-migrations DIR --migration-format F``: a plain registry.

Every format writes one migration per recommended index, carrying the evidence (the statements
it helps, with their generic-plan costs before and after) as comments, and running the build
outside any transaction, as ``CREATE INDEX CONCURRENTLY`` requires. Each format's docstring is
its user documentation.
"""

from __future__ import annotations

from advisor.errors import UsageError
from advisor.migrate.formats import alembic, django, flyway, golang_migrate, sql
from advisor.migrate.formats.base import MigrationFormat

FORMATS: tuple[MigrationFormat, ...] = (
    sql.FORMAT,
    golang_migrate.FORMAT,
    flyway.FORMAT,
    alembic.FORMAT,
    django.FORMAT,
)
DEFAULT = sql.FORMAT.name


def names() -> tuple[str, ...]:
    return tuple(f.name for f in FORMATS)


def get(name: str) -> MigrationFormat:
    """The format called ``name``; ``UsageError`` naming the known ones otherwise."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise UsageError(f"unknown migration format {name!r}", f"use one of: {', '.join(names())}")


__all__ = ["DEFAULT", "FORMATS", "MigrationFormat", "get", "names"]
