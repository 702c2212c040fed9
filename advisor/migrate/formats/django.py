"""The ``django`` format: one non-atomic migration per index for an app's migrations package."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from advisor.errors import UsageError
from advisor.migrate.formats import evidence
from advisor.migrate.formats.base import (
    MigrationFormat,
    down_statements,
    put,
    py_list,
    py_str,
    python_sql,
    slug,
    up_statements,
)
from advisor.model import Recommendation

_MIGRATION = re.compile(r"^(\d{4})_\w+\.py$")

TEMPLATE = """# Create index {name} concurrently (pg advisor).
{evidence}

from django.db import migrations

# RunSQL runs each statement of a list on its own, in order.
CREATE_INDEX = {create}
DROP_INDEX = {drop}


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = {dependencies}

    operations = [
        migrations.RunSQL(sql=CREATE_INDEX, reverse_sql=DROP_INDEX),
    ]
"""


def _latest(directory: Path) -> str | None:
    """The migration the next one depends on: the highest-numbered one (None when none)."""
    found = [p.stem for p in directory.glob("*.py") if _MIGRATION.match(p.name)]
    if not found:
        return None
    top = max(int(stem[:4]) for stem in found)
    leaves = sorted(stem for stem in found if int(stem[:4]) == top)
    if len(leaves) > 1:
        raise UsageError(
            f"{directory} has several migrations numbered {top:04d} ({', '.join(leaves)})",
            "merge them first: python manage.py makemigrations --merge",
        )
    return leaves[0]


class DjangoFormat(MigrationFormat):
    """``django``: ``NNNN_create_<index>.py`` migrations for an app's ``migrations`` package.

    Point it at ``<app>/migrations``; the app label is the name of the folder above it. Each
    index gets its own migration numbered after the highest one there, depending on it, with
    ``atomic = False`` (CONCURRENTLY cannot run inside a transaction) and one ``RunSQL`` holding
    ``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` and, to reverse it, ``DROP INDEX CONCURRENTLY IF
    EXISTS`` (on a partitioned table: the list of statements that builds it partition by
    partition, each run on its own). ``RunSQL`` does not touch the model state: where the index
    belongs to a model you may prefer ``AddIndexConcurrently`` with ``Meta.indexes`` (not on a
    partitioned table: Django builds that one CONCURRENTLY on the parent, which PostgreSQL
    refuses). An empty ``__init__.py`` is created when the folder has none. The evidence is in
    ``#`` comments at the top.
    """

    name = "django"
    summary = "Django migrations with RunSQL and atomic = False"

    def existing_sql(self, directory: Path) -> Iterator[str]:
        return python_sql(directory, "CREATE_INDEX")

    def _write(
        self, directory: Path, recommendations: tuple[Recommendation, ...], since: str | None
    ) -> list[Path]:
        app_label = directory.resolve().parent.name
        previous = _latest(directory)
        number = int(previous[:4]) + 1 if previous else 1
        written: list[Path] = []
        if not (directory / "__init__.py").exists():
            put(directory / "__init__.py", "", written)
        for rec in recommendations:
            stem = f"{number:04d}_create_{slug(rec.name)}"
            text = TEMPLATE.format(
                name=evidence.inline(rec.name),  # a name may hold a line break
                evidence=evidence.comment(evidence.lines(rec, since), "#"),
                create=py_list(up_statements(rec)),
                drop=py_list(down_statements(rec)),
                dependencies=f"[({py_str(app_label)}, {py_str(previous)})]" if previous else "[]",
            )
            put(directory / f"{stem}.py", text, written)
            previous = stem
            number += 1
        return written


FORMAT = DjangoFormat()
