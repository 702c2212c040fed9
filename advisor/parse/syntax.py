"""The one door to pglast: a text the parser rejects becomes a reason, anything else stays a bug.

pglast raises ``ParseError`` for a text PostgreSQL's parser rejects (syntax errors, "stack depth
limit exceeded", "memory exhausted"), ``UnicodeEncodeError`` for a text it cannot hand to the
parser at all (a lone surrogate, as a log read with ``errors="surrogateescape"`` can hold), and
``RecursionError`` for a tree too deep to build in Python. They mean "this is not SQL we can
read": the functions here raise ``Unparsable`` with a one-line reason for them, and nothing
else. Any other exception (a ``TypeError``, an ``AttributeError``) is a bug, ours or pglast's,
and propagates instead of hiding as "unparsable".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pglast import ast, parser
from pglast.stream import RawStream


class Unparsable(Exception):
    """The parser does not accept the text (or the printer the tree).

    ``reason`` is one line for the user; ``location`` the character offset the parser blamed,
    when it said.
    """

    def __init__(self, reason: str, location: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.location = location


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else ""


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    try:
        yield
    except parser.ParseError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        raise Unparsable(_first_line(message) or "the parser rejects it", location) from None
    except UnicodeEncodeError:
        raise Unparsable("the text is not valid UTF-8") from None
    except RecursionError:  # pglast builds its Python tree recursively
        raise Unparsable("nested too deeply to read") from None


def parse(text: str) -> tuple[ast.RawStmt, ...]:
    """The statements of ``text`` as pglast trees."""
    with _reading():
        return tuple(parser.parse_sql(text))


def fingerprint(text: str) -> str:
    """libpg_query's fingerprint: the same for texts that differ only in constants."""
    with _reading():
        return str(parser.fingerprint(text))


def normalize(text: str) -> str:
    """Constants replaced by ``$n``, as pg_stat_statements shows a statement."""
    with _reading():
        return str(parser.normalize(text))


def parse_json(text: str) -> str:
    """The parse tree as libpg_query's JSON."""
    with _reading():
        return str(parser.parse_sql_json(text))


def scan(text: str) -> list[Any]:
    """The scanner's tokens (``name``, ``start``, ``end`` inclusive)."""
    with _reading():
        return list(parser.scan(text))


def split(text: str, *, with_parser: bool = True) -> list[slice]:
    """Where each statement of ``text`` is; by the scanner alone with ``with_parser=False``."""
    with _reading():
        return list(parser.split(text, with_parser=with_parser, only_slices=True))


def deparse(node: ast.Node) -> str:
    """The tree printed back as SQL; ``Unparsable`` when pglast's printer cannot print it."""
    try:
        return str(RawStream()(node))
    except NotImplementedError as exc:  # a node type pglast has no printer for
        raise Unparsable(f"cannot print it back: {_first_line(str(exc))}") from None


def type_name(text: str) -> ast.TypeName:
    """The tree of a type name as ``format_type()`` prints it (``numeric(12,2)``, ``"Mood"``)."""
    (raw,) = parse(f"SELECT NULL::{text}")
    select = raw.stmt
    assert isinstance(select, ast.SelectStmt) and select.targetList
    target = select.targetList[0]
    assert isinstance(target, ast.ResTarget) and isinstance(target.val, ast.TypeCast)
    assert target.val.typeName is not None
    return target.val.typeName
