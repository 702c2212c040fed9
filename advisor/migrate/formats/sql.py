"""The ``sql`` format: numbered plain-SQL pairs, for psql or any runner of one file per step."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
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

_NUMBERED = re.compile(r"^(\d+)_.*\.sql$")
UP_FILE = re.compile(r"^\d+_.*\.up\.sql$")


class SqlFormat(MigrationFormat):
    """``sql`` (the default): ``001_create_<index>.up.sql`` and ``001_create_<index>.down.sql``.

    One pair per index, numbered after the highest number already in the directory. The up file
    holds the evidence as ``--`` comments and a single ``CREATE INDEX CONCURRENTLY IF NOT
    EXISTS``; the down file a single ``DROP INDEX CONCURRENTLY IF EXISTS``. On a partitioned
    table the up file holds the steps that build the index partition by partition (``ON ONLY``
    the parent, each partition CONCURRENTLY, ``ATTACH``, with ``SET lock_timeout`` around the
    steps that lock) and the down file drops the parent's index. Both are safe to run twice.
    Run each file on its own, outside a transaction: ``psql -v ON_ERROR_STOP=1 -f FILE`` does
    that, one statement at a time (do not use ``--single-transaction``). ``advisor apply DIR``
    reads these files too.
    """

    name = "sql"
    summary = "numbered NNN_create_<index>.up.sql / .down.sql pairs (default)"
    digits = 3

    def existing_sql(self, directory: Path) -> Iterator[str]:
        return read_texts(directory, UP_FILE)

    def _write(
        self, directory: Path, recommendations: tuple[Recommendation, ...], since: str | None
    ) -> list[Path]:
        number = (highest_number(directory, _NUMBERED) or 0) + 1
        written: list[Path] = []
        for rec in recommendations:
            stem = f"{number:0{self.digits}d}_create_{slug(rec.name)}"
            write_pair(directory, stem, rec, written, since)
            number += 1
        return written


def write_pair(
    directory: Path,
    stem: str,
    rec: Recommendation,
    written: list[Path],
    since: str | None,
    notes: Sequence[str] = (),
) -> None:
    """``<stem>.up.sql`` and ``<stem>.down.sql``: the statements, evidence and ``notes`` on top."""
    header = evidence.comment([*evidence.lines(rec, since), *notes], "--")
    put(directory / f"{stem}.up.sql", f"{header}\n{sql_text(up_statements(rec))}", written)
    down = evidence.comment(
        [f"Reverts {stem}.up.sql: drops {rec.name}, also when a failed build left it INVALID."],
        "--",
    )
    put(directory / f"{stem}.down.sql", f"{down}\n{sql_text(down_statements(rec))}", written)


FORMAT = SqlFormat()
