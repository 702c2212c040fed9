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


def put(path: Path, text: str, written: list[Path]) -> None:
    """Write one file atomically and remember it."""
    write_atomic(path, text)
    written.append(path)
