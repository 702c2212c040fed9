"""What every migration format shares: the base class, safe file names and version numbering.

A format writes one migration per recommended index (so a failed build never takes the others
with it), numbered after the highest version already in the directory. File names and versions
depend only on the directory's contents and the recommendations, never on the clock, so the
same advice written into the same directory gives the same files.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from advisor.errors import UsageError
from advisor.fileio import write_atomic
from advisor.model import Recommendation
from advisor.parse import syntax

_UNSAFE = re.compile(r"[^a-z0-9_]+")


def slug(name: str) -> str:
    """An index name as a portable file-name and Python-module fragment: ``[a-z0-9_]`` only."""
    return _UNSAFE.sub("_", name.lower()).strip("_") or "index"


def highest_number(directory: Path, pattern: re.Pattern[str]) -> int | None:
    """The highest integer ``pattern``'s first group captures over the file names, if any."""
    numbers = [
        int(m.group(1)) for p in directory.iterdir() if p.is_file() and (m := pattern.match(p.name))
    ]
    return max(numbers, default=None)


class MigrationFormat(abc.ABC):
    """A way of writing migrations; the subclass docstring is the user's documentation."""

    name: ClassVar[str]
    summary: ClassVar[str]  # one line, for --help

    def write(self, directory: Path, recommendations: Sequence[Recommendation]) -> list[Path]:
        """Write the migrations of ``recommendations`` into ``directory``; the paths written."""
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"{directory} is not a directory", "give a folder for the migrations")
        directory.mkdir(parents=True, exist_ok=True)
        if not recommendations:
            return []
        return self._write(directory, tuple(recommendations))

    @abc.abstractmethod
    def _write(self, directory: Path, recommendations: tuple[Recommendation, ...]) -> list[Path]:
        """Write every file; ``directory`` exists and ``recommendations`` is not empty."""


def py_str(text: str) -> str:
    """A Python string literal for ``text``, double-quoted where that needs no escaping."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text and "\\" not in literal:
        return '"' + literal[1:-1] + '"'
    return literal


def py_list(statements: Sequence[str], transform: Callable[[str], str] = str) -> str:
    """A Python list literal of ``statements``, one per line."""
    items = "".join(f"    {py_str(transform(s))},\n" for s in statements)
    return f"[\n{items}]"


LOCK_TIMEOUT = "5s"  # what advisor apply waits for a lock by default


def up_statements(rec: Recommendation) -> tuple[str, ...]:
    """The statements of the up migration, in order.

    On a partitioned table the ``ON ONLY`` and ``ATTACH`` steps take locks that writes queue
    behind while they wait: ``lock_timeout`` bounds that wait (a step that times out fails; run
    the migration again later). It is reset around each ``CONCURRENTLY`` statement, which it
    would cancel, INVALID, while the build waits for older transactions to end.
    """
    return _bounded(rec.create_statements) if rec.create_steps else rec.create_statements


def down_statements(rec: Recommendation) -> tuple[str, ...]:
    """The statements of the down migration (``DROP INDEX`` of a partitioned index locks too)."""
    return _bounded(rec.drop_statements) if rec.drop_steps else rec.drop_statements


def _bounded(statements: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    bounded = False
    for statement in statements:
        wanted = not _concurrent(statement)
        if wanted != bounded:
            out.append(f"SET lock_timeout = '{LOCK_TIMEOUT}'" if wanted else "RESET lock_timeout")
            bounded = wanted
        out.append(statement)
    if bounded:
        out.append("RESET lock_timeout")
    return tuple(out)


def _concurrent(statement: str) -> bool:
    """A ``CREATE`` or ``DROP INDEX CONCURRENTLY`` (what we wrote: pglast reads it back)."""
    return any(getattr(raw.stmt, "concurrent", False) for raw in syntax.parse(statement))


def sql_text(statements: Sequence[str]) -> str:
    """Statements as the body of a SQL file, one a line, each ending with ``;``."""
    return "".join(f"{s};\n" for s in statements)


def put(path: Path, text: str, written: list[Path]) -> None:
    """Write one file atomically and remember it."""
    write_atomic(path, text)
    written.append(path)
