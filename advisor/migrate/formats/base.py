"""What every migration format shares: the base class, safe file names and version numbering.

A format writes one migration per recommended index (so a failed build never takes the others
with it), numbered after the highest version already in the directory. An index some migration
of the directory already builds is not written again (``advisor.migrate.existing``), so writing
the same advice into the same folder twice adds nothing. File names and versions
depend only on the directory's contents and the recommendations, never on the clock, so the
same advice written into the same directory gives the same files.
"""

from __future__ import annotations

import abc
import ast
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from advisor.errors import UsageError
from advisor.fileio import write_atomic
from advisor.migrate import existing
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
        return [
            r for r in recommendations if existing.key_of(r.create_statements[0]) not in present
        ]

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
    """The statements of the ``constant`` (e.g. ``CREATE_INDEX``: a string or a list of them)
    of each Python migration in ``directory``; ``unescape`` undoes ``\\:`` (Alembic's)."""
    for path in sorted(directory.glob("*.py")):
        value = module_constants(path).get(constant)
        texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for text in texts:
            if isinstance(text, str):
                yield text.replace("\\:", ":") if unescape else text
