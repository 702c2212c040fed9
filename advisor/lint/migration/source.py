"""A migration file as a list of steps: each statement with its line, its text, whether it runs
inside an explicit transaction block, and the rules its ``advisor:ignore`` comments silence.

A directive ``-- advisor:ignore rule-a, rule-b`` on a statement's own lines (or at the end of
its last line) silences those rules for that statement; on a line of its own it applies to the
next statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pglast import ast
from pglast.enums import TransactionStmtKind

from advisor.errors import UsageError
from advisor.lint.catalog import ignored_rules
from advisor.parse import syntax
from advisor.parse.syntax import Unparsable

_BEGIN = {TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START}
_END = {
    TransactionStmtKind.TRANS_STMT_COMMIT,
    TransactionStmtKind.TRANS_STMT_ROLLBACK,
    TransactionStmtKind.TRANS_STMT_PREPARE,
    TransactionStmtKind.TRANS_STMT_COMMIT_PREPARED,
    TransactionStmtKind.TRANS_STMT_ROLLBACK_PREPARED,
}


@dataclass(frozen=True)
class Step:
    index: int
    node: ast.Node
    text: str
    line: int
    in_transaction: bool  # inside BEGIN ... COMMIT written in the file
    ignores: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MigrationFile:
    path: Path
    name: str  # as given on the command line, for messages
    steps: tuple[Step, ...]


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _directives(text: str, spans: list[tuple[int, int]]) -> dict[int, set[str]]:
    """Statement index -> rule ids its ``advisor:ignore`` comments name."""
    found: dict[int, set[str]] = {}
    try:
        tokens = syntax.scan(text)
    except Unparsable:  # the parse succeeded, so the scan will; be safe anyway
        return found
    for token in tokens:
        if token.name not in ("SQL_COMMENT", "C_COMMENT"):
            continue
        rules = ignored_rules(text[token.start : token.end + 1])
        if not rules:
            continue
        target = None
        for i, (start, end) in enumerate(spans):
            if start <= token.start <= end or (
                token.start > end and _line(text, token.start) == _line(text, end)
            ):
                target = i
        if target is None:
            target = next((i for i, (start, _) in enumerate(spans) if start > token.start), None)
        if target is not None:
            found.setdefault(target, set()).update(rules)
    return found


def parse(text: str, path: Path, name: str | None = None) -> MigrationFile:
    label = name or str(path)
    try:
        raw = syntax.parse(text)
    except Unparsable as exc:
        where = _line(text, exc.location) if exc.location is not None else 1
        raise UsageError(f"{label}:{where}: cannot parse: {exc.reason}") from None
    spans = []
    for r in raw:
        start = r.stmt_location or 0
        spans.append((start, start + (r.stmt_len or len(text) - start)))
    directives = _directives(text, spans)
    steps = []
    in_transaction = False
    for i, r in enumerate(raw):
        node = r.stmt
        assert node is not None  # the parser gives every raw statement a node
        if isinstance(node, ast.TransactionStmt) and node.kind in _END:
            in_transaction = False
        start, end = spans[i]
        steps.append(
            Step(
                index=i,
                node=node,
                text=text[start:end].strip(),
                line=_line(text, start),
                in_transaction=in_transaction,
                ignores=frozenset(directives.get(i, ())),
            )
        )
        if isinstance(node, ast.TransactionStmt) and node.kind in _BEGIN:
            in_transaction = True
    return MigrationFile(path=path, name=label, steps=tuple(steps))


def read(path: Path, name: str | None = None) -> MigrationFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read migration {name or path}: {exc.strerror}") from None
    return parse(text, path, name)
