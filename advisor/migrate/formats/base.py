"""What every migration format shares: the base class, safe file names and version numbering.

A format writes one migration per recommended index (so a failed build never takes the others
with it), numbered after the highest version already in the directory. An index some migration
of the directory already builds is not written again (``advisor.migrate.existing``), so writing
the same advice into the same folder twice adds nothing. File names and versions depend only on
the directory's contents and the recommendations, never on the clock, so the same advice
written into two empty directories gives the same files.
"""

from __future__ import annotations

import abc
import ast
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from advisor.errors import UsageError
from advisor.fileio import write_atomic
from advisor.migrate import existing
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

    def write(
        self,
        directory: Path,
        recommendations: Sequence[Recommendation],
        *,
        since: str | None = None,
    ) -> list[Path]:
        """Write the migrations of ``recommendations`` whose index no migration in ``directory``
        builds yet; the paths written. ``since``: the start of the statistics window, for the
        evidence."""
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"{directory} is not a directory", "give a folder for the migrations")
        directory.mkdir(parents=True, exist_ok=True)
        fresh = self.not_yet_in(directory, recommendations)
        if not fresh:
            return []
        return self._write(directory, tuple(fresh), since)

    def not_yet_in(
        self, directory: Path, recommendations: Sequence[Recommendation]
    ) -> list[Recommendation]:
        """The recommendations whose index no migration of this format in ``directory`` builds."""
        present = existing.keys_in(self.existing_sql(directory)) if directory.is_dir() else set()
        return [r for r in recommendations if existing.key_of(r.create_sql) not in present]

    @abc.abstractmethod
    def existing_sql(self, directory: Path) -> Iterator[str]:
        """The SQL of the up migrations of this format already in ``directory``."""

    @abc.abstractmethod
    def _write(
        self, directory: Path, recommendations: tuple[Recommendation, ...], since: str | None
    ) -> list[Path]:
        """Write every file; ``directory`` exists and ``recommendations`` is not empty."""


def py_str(text: str) -> str:
    """A Python string literal for ``text``, double-quoted where that needs no escaping."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text and "\\" not in literal:
        return '"' + literal[1:-1] + '"'
    return literal


def put(path: Path, text: str, written: list[Path]) -> None:
    """Write one file atomically and remember it."""
    write_atomic(path, text)
    written.append(path)


def read_texts(directory: Path, pattern: re.Pattern[str]) -> Iterator[str]:
    """The text of every file in ``directory`` whose name ``pattern`` matches, in name order."""
    for path in sorted(directory.iterdir()):
        if path.is_file() and pattern.match(path.name):
            try:
                yield path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue


def module_constants(path: Path) -> dict[str, object]:
    """A Python file's module-level constant assignments (``NAME = <literal>``), unexecuted."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return {}
    found: dict[str, object] = {}
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and value is not None:
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return found


def python_sql(directory: Path, constant: str, unescape: bool = False) -> Iterator[str]:
    """The ``constant`` (e.g. ``CREATE_INDEX``) of each Python migration in ``directory``."""
    for path in sorted(directory.glob("*.py")):
        value = module_constants(path).get(constant)
        if isinstance(value, str):
            yield value.replace("\\:", ":") if unescape else value
