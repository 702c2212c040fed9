"""The ``flyway`` format: versioned ``V`` scripts, ``U`` undo scripts and their script configs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from advisor.migrate.formats import evidence
from advisor.migrate.formats.base import (
    MigrationFormat,
    down_statements,
    highest_number,
    put,
    read_texts,
    slug,
    sql_text,
    up_statements,
)
from advisor.model import Recommendation

_VERSIONED = re.compile(r"^[VU](\d+)(?:[._]\d+)*__.*\.sql$")
_UP = re.compile(r"^V\d+(?:[._]\d+)*__.*\.sql$")
SCRIPT_CONFIG = "executeInTransaction=false\n"
FLYWAY_NOTES = (
    "Flyway: the script config file beside this one sets executeInTransaction=false.",
    "Also set flyway.postgresql.transactional.lock=false (FLYWAY_POSTGRESQL_TRANSACTIONAL_LOCK),",
    "or the build waits forever on the transaction that holds Flyway's own migration lock.",
)


class FlywayFormat(MigrationFormat):
    """``flyway``: ``V<n>__create_<index>.sql`` and the undo ``U<n>__create_<index>.sql``.

    ``<n>`` continues after the highest major version of the ``V``/``U`` scripts already in the
    directory. Each script holds one statement and gets a script configuration file
    (``V<n>__create_<index>.sql.conf``) with ``executeInTransaction=false``, since ``CREATE
    INDEX CONCURRENTLY`` cannot run in the transaction Flyway would open. Flyway 9+ on
    PostgreSQL also holds its migration lock in a transaction that the build would wait for
    forever: set ``flyway.postgresql.transactional.lock=false`` in your Flyway configuration.
    Undo scripts (``U``) need Flyway Teams; without it, run them by hand. The evidence is in
    ``--`` comments at the top of the ``V`` script.
    """

    name = "flyway"
    summary = "Flyway V<n>__/U<n>__ scripts with executeInTransaction=false script configs"

    def existing_sql(self, directory: Path) -> Iterator[str]:
        return read_texts(directory, _UP)

    def _write(
        self, directory: Path, recommendations: tuple[Recommendation, ...], since: str | None
    ) -> list[Path]:
        version = (highest_number(directory, _VERSIONED) or 0) + 1
        written: list[Path] = []
        for rec in recommendations:
            description = f"create_{slug(rec.name)}"
            up = directory / f"V{version}__{description}.sql"
            undo = directory / f"U{version}__{description}.sql"
            header = evidence.comment([*evidence.lines(rec, since), *FLYWAY_NOTES], "--")
            put(up, f"{header}\n{sql_text(up_statements(rec))}", written)
            put(up.with_name(up.name + ".conf"), SCRIPT_CONFIG, written)
            note = evidence.comment(
                [f"Undoes {up.name}: drops {rec.name}, also when a failed build left it INVALID."],
                "--",
            )
            put(undo, f"{note}\n{sql_text(down_statements(rec))}", written)
            put(undo.with_name(undo.name + ".conf"), SCRIPT_CONFIG, written)
            version += 1
        return written


FORMAT = FlywayFormat()
