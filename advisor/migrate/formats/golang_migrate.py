"""The ``golang-migrate`` format: ``{version}_{title}.up.sql`` / ``.down.sql`` for migrate CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from advisor.migrate.formats.base import MigrationFormat, read_texts, slug
from advisor.migrate.formats.sql import write_pair
from advisor.model import Recommendation

_VERSIONED = re.compile(r"^(\d+)_.*\.(?:up|down)\.sql$")
_UP = re.compile(r"^\d+_.*\.up\.sql$")
DEFAULT_DIGITS = 6  # what `migrate create -seq` uses
MULTI_STATEMENT = (
    "golang-migrate: these statements must run one by one, not in one transaction: add",
    "x-multi-statement=true to the database URL (migrate -database 'postgres://...?",
    "x-multi-statement=true'). Without it PostgreSQL refuses the file and nothing is changed.",
)


class GolangMigrateFormat(MigrationFormat):
    """``golang-migrate``: ``000001_create_<index>.up.sql`` / ``.down.sql`` for golang-migrate.

    The version continues after the highest one in the directory, keeping its zero padding
    (six digits, as ``migrate create -seq`` writes them, in an empty directory; timestamp versions
    continue as the next integer). golang-migrate's PostgreSQL driver sends a whole file in one
    call and opens no transaction of its own, so each file holds exactly one statement, which is
    what ``CREATE INDEX CONCURRENTLY`` needs: never add ``BEGIN``/``COMMIT`` or a second statement.
    Apply with ``migrate -path DIR -database URL up``; the evidence is in ``--`` comments.

    An index on a partitioned table takes several statements (``ON ONLY`` the parent, each
    partition CONCURRENTLY, ``ATTACH``), which must not share a transaction: its files say to run
    them with ``x-multi-statement=true`` in the database URL, which makes the driver send them
    one by one. Without it PostgreSQL refuses the file as a whole and nothing is left behind.
    """

    name = "golang-migrate"
    summary = "golang-migrate {version}_create_<index>.up.sql / .down.sql"

    def existing_sql(self, directory: Path) -> Iterator[str]:
        return read_texts(directory, _UP)

    def _write(
        self, directory: Path, recommendations: tuple[Recommendation, ...], since: str | None
    ) -> list[Path]:
        versions = [
            m.group(1)
            for p in directory.iterdir()
            if p.is_file() and (m := _VERSIONED.match(p.name))
        ]
        highest = max(versions, key=int, default=None)
        if highest is None:
            digits, number = DEFAULT_DIGITS, 1
        else:
            digits = len(highest) if highest.startswith("0") else 0
            number = int(highest) + 1
        written: list[Path] = []
        for rec in recommendations:
            stem = f"{number:0{digits}d}_create_{slug(rec.name)}"
            notes = MULTI_STATEMENT if rec.create_steps else ()
            write_pair(directory, stem, rec, written, since, notes)
            number += 1
        return written


FORMAT = GolangMigrateFormat()
