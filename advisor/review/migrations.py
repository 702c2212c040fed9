"""Drop migrations for the review's removable findings, with the restore as the way back.

``NNN_drop_<index>.up.sql`` holds the evidence as ``--`` comments and one ``DROP INDEX
CONCURRENTLY IF EXISTS``; ``NNN_drop_<index>.down.sql`` the index exactly as
``pg_get_indexdef`` defined it, as ``CREATE INDEX CONCURRENTLY IF NOT EXISTS``. Numbers continue
after the highest one in the directory, as the ``sql`` migration format numbers its creates, so
drops written after the creates of the same run come after them. Only drops marked ``safe`` (no
workload plan reads the index) are written unless asked otherwise. A drop some up migration of
the directory already holds is not written again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from advisor.errors import UsageError
from advisor.migrate import existing
from advisor.migrate.formats import sql as sql_format
from advisor.migrate.formats.base import highest_number, put, read_texts, slug
from advisor.migrate.formats.evidence import comment, one_line
from advisor.model import Finding
from advisor.render.text import size

_NUMBERED = re.compile(r"^(\d+)_.*\.sql$")  # the same numbering as the sql format's files

SAFETY = (
    "DROP INDEX CONCURRENTLY cannot run inside a transaction block: run this file on its own,",
    "outside one (psql -v ON_ERROR_STOP=1 -f FILE). It does not block reads or writes but waits",
    "for the transactions using the table; set lock_timeout in its session. The down migration",
    "builds the index again, CONCURRENTLY; if that build fails it leaves an INVALID index:",
    "drop it and run the down migration again.",
)


PARTITIONED_SAFETY = (
    "PostgreSQL cannot drop an index on a partitioned table CONCURRENTLY: this DROP (which takes",
    "the partitions' indexes with it) locks the table and its partitions (ACCESS EXCLUSIVE) for",
    "a moment; set lock_timeout in its session. The down migration builds it again partition",
    "by partition, one statement at a time (psql -f does that), outside a transaction block:",
    "if a build fails, run this file, then the down migration again.",
)


def removable(findings: Iterable[Finding], *, include_unsafe: bool = False) -> list[Finding]:
    """The findings that carry a drop and its restore (and are safe, unless ``include_unsafe``)."""
    return [
        f
        for f in findings
        if f.drop_sql and f.restore_sql and f.index and (f.safe or include_unsafe)
    ]


def evidence(finding: Finding) -> list[str]:
    """The comment lines (without marker) that say why this index is dropped."""
    lines = [
        f"pg advisor: drop index {one_line(finding.index or '')} on {finding.table} "
        f"({finding.kind}, {size(finding.size_bytes)})",
        one_line(finding.detail),
    ]
    if finding.statements:
        lines.append("NOT SAFE: the generic plans of these workload statements read it:")
        lines += [f"    {one_line(s)}" for s in finding.statements]
    elif not finding.safe:
        lines.append("NOT SAFE: no workload plan reads it, but see why above")
    else:
        lines.append("safe: no generic plan of the analysed workload reads it")
    lines.append("the down migration restores it as pg_get_indexdef defined it:")
    lines.append(f"    {one_line(finding.restore_sql or '')}")
    return lines + list(PARTITIONED_SAFETY if finding.partitioned else SAFETY)


def write_drop_migrations(
    directory: Path, findings: Iterable[Finding], *, include_unsafe: bool = False
) -> list[Path]:
    """Write one numbered up/down pair per removable finding; the paths written, in order."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} is not a directory", "give a folder for the migrations")
    directory.mkdir(parents=True, exist_ok=True)
    present = existing.keys_in(read_texts(directory, sql_format.UP_FILE))
    chosen = [
        f
        for f in removable(findings, include_unsafe=include_unsafe)
        if existing.key_of(f.drop_sql or "") not in present
    ]
    number = (highest_number(directory, _NUMBERED) or 0) + 1
    written: list[Path] = []
    for finding in chosen:
        stem = f"{number:0{sql_format.FORMAT.digits}d}_drop_{slug(finding.index or '')}"
        up = f"{comment(evidence(finding), '--')}\n{finding.drop_sql};\n"
        put(directory / f"{stem}.up.sql", up, written)
        note = f"Reverts {stem}.up.sql: builds {one_line(finding.index or '')} again."
        down = f"{comment([note], '--')}\n{finding.restore_sql};\n"
        put(directory / f"{stem}.down.sql", down, written)
        number += 1
    return written
