"""The ``alembic`` format: one revision file per index, chained after the current head."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from advisor.errors import UsageError
from advisor.migrate.formats import evidence
from advisor.migrate.formats.base import (
    MigrationFormat,
    down_statements,
    highest_number,
    module_constants,
    put,
    py_list,
    py_str,
    python_sql,
    slug,
    up_statements,
)
from advisor.model import Recommendation

_NUMBERED = re.compile(r"^(\d+)_.*\.py$")
# A colon SQLAlchemy's text() would read as a bind parameter (``:name``); casts (``::``) are not.
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?![:\w])")

TEMPLATE = '''"""Create index {name} concurrently (pg advisor).

Revision ID: {revision}
Revises: {down_revision}
"""

{evidence}

from alembic import op

revision = {revision_literal}
down_revision = {down_literal}
branch_labels = None
depends_on = None

# One statement per execute(), in order: several in one would run as one transaction.
CREATE_INDEX = {create}
DROP_INDEX = {drop}


def upgrade() -> None:
    # autocommit_block() commits Alembic's transaction first: CONCURRENTLY cannot run in one.
    with op.get_context().autocommit_block():
        for statement in CREATE_INDEX:
            op.execute(statement)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for statement in DROP_INDEX:
            op.execute(statement)
'''


def current_head(directory: Path) -> str | None:
    """The single head revision of the revision files in ``directory`` (None when empty)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in directory.glob("*.py"):
        found = module_constants(path)
        revision = found.get("revision")
        if not isinstance(revision, str):
            continue
        revisions.add(revision)
        down = found.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(d for d in down if isinstance(d, str))
    heads = sorted(revisions - parents)
    if len(heads) > 1:
        raise UsageError(
            f"{directory} has several Alembic heads ({', '.join(heads)})",
            "merge them first: alembic merge heads",
        )
    return heads[0] if heads else None


def escape_colons(text: str) -> str:
    r"""Escape ``:name`` as ``\:name`` so SQLAlchemy's ``text()`` passes it through verbatim."""
    return _BIND.sub(lambda m: "\\:" + m.group(1), text)


class AlembicFormat(MigrationFormat):
    """``alembic``: ``0001_create_<index>.py`` revision files for the versions directory.

    Point it at Alembic's ``versions`` folder. Each index gets its own revision, chained after the
    current head (refused when there are several heads: merge them first), with a revision id
    derived from its parent and its DDL, and a file number after the highest one there.
    ``upgrade()`` and ``downgrade()`` run ``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` / ``DROP
    INDEX CONCURRENTLY IF EXISTS`` inside ``op.get_context().autocommit_block()``, which commits
    Alembic's transaction first, because CONCURRENTLY cannot run inside one. An index on a
    partitioned table is several statements (``ON ONLY`` the parent, each partition
    CONCURRENTLY, ``ATTACH``), each given to its own ``op.execute()``. The evidence is in ``#``
    comments at the top.
    """

    name = "alembic"
    summary = "Alembic revision files using op.get_context().autocommit_block()"

    def existing_sql(self, directory: Path) -> Iterator[str]:
        return python_sql(directory, "CREATE_INDEX", unescape=True)

    def _write(
        self, directory: Path, recommendations: tuple[Recommendation, ...], since: str | None
    ) -> list[Path]:
        number = (highest_number(directory, _NUMBERED) or 0) + 1
        down = current_head(directory)
        written: list[Path] = []
        for rec in recommendations:
            digest = hashlib.sha1(f"{down}\n{rec.create_sql}".encode()).hexdigest()
            revision = digest[:12]
            text = TEMPLATE.format(
                # inside the docstring: no line break, no escape sequence, no closing quotes
                name=evidence.inline(rec.name).replace("\\", "\\\\").replace('"', '\\"'),
                revision=revision,
                revision_literal=py_str(revision),
                down_literal=py_str(down) if down else None,
                down_revision=down,
                evidence=evidence.comment(evidence.lines(rec, since), "#"),
                create=py_list(up_statements(rec), escape_colons),
                drop=py_list(down_statements(rec), escape_colons),
            )
            put(directory / f"{number:04d}_create_{slug(rec.name)}.py", text, written)
            down = revision
            number += 1
        return written


FORMAT = AlembicFormat()
