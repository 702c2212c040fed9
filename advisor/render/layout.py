"""Text that fits the reader's screen: the output width, tables that wrap, paragraphs, SQL.

The width is ``COLUMNS`` when set, else the terminal's when standard output is one, else 100
(a file, a pipe, a CI log). Tables keep every column and wrap the long cells inside their
column, widest first; Markdown tables never wrap (a cell cannot hold a line break) and always
have a header row, which GitHub needs to render a table at all.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

DEFAULT_WIDTH = 100
MIN_WIDTH = 40
_GAP = 2  # tabulate's "simple" and "plain" formats put two spaces between columns
_NUMBER = re.compile(r"[+-]?[\d,]+(\.\d+)?")
_MIN_COLUMN = 8
_FIRST_FLOOR = 20  # a column that wraps first keeps this much before the others give way


def output_width() -> int:
    """``COLUMNS``, else the width of the terminal on standard output, else 100."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return max(int(env), MIN_WIDTH)
    try:
        if sys.stdout.isatty():
            return max(os.get_terminal_size(sys.stdout.fileno()).columns, MIN_WIDTH)
    except (OSError, ValueError):
        pass
    return DEFAULT_WIDTH


def md_cell(value: Any) -> str:
    """A value fit for one Markdown table cell: one line, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _longest_line(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def _fit(natural: list[int], floors: list[int], width: int, first: Sequence[int]) -> list[int]:
    """Column widths that fit ``width``. The columns in ``first`` give way first, widest first,
    down to ``_FIRST_FLOOR``; then every column, widest first, down to its floor."""
    widths = list(natural)
    budget = width - _GAP * (len(widths) - 1)
    stages = (
        [(i, max(floors[i], min(natural[i], _FIRST_FLOOR))) for i in first],
        list(enumerate(floors)),
    )
    for stage in stages:
        while sum(widths) > budget:
            movable = [i for i, floor in stage if widths[i] > floor]
            if not movable:
                break
            widest = max(movable, key=lambda i: widths[i])
            widths[widest] -= 1
    return widths


def _wrap(text: str, width: int) -> str:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(
            paragraph, width=width, break_long_words=True, break_on_hyphens=False
        ) or [""]
    return "\n".join(lines)


def table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    *,
    width: int | None = None,
    markdown: bool = False,
    wrap_first: Sequence[int] = (),
    plain: bool = False,
) -> str:
    """A table of ``rows`` under ``headers``: GitHub Markdown, or text at most ``width`` wide.

    ``wrap_first`` names the columns (by position) that wrap before the others: details,
    statements, reasons. ``plain`` drops the header rule in text (a list of facts); Markdown
    always gets its header row.
    """
    cells = [[_text(c) for c in row] for row in rows]
    count = len(headers) if headers else max((len(r) for r in cells), default=0)
    numeric = [
        any(i < len(r) and r[i] for r in cells)
        and all(_NUMBER.fullmatch(r[i]) for r in cells if i < len(r) and r[i])
        for i in range(count)
    ]
    align = ["right" if n else "left" for n in numeric]
    if markdown:
        body = [[md_cell(c) for c in row] for row in cells]
        return str(
            tabulate(
                body,
                [md_cell(h) for h in headers],
                tablefmt="github",
                disable_numparse=True,
                colalign=align,
            )
        )
    limit = width or output_width()
    natural = [
        max([len(headers[i]) if headers else 0]
            + [_longest_line(r[i]) for r in cells if i < len(r)])
        for i in range(count)
    ]  # fmt: skip
    floors = [
        min(natural[i], max(_MIN_COLUMN, max(map(len, headers[i].split()), default=0)))
        if headers
        else min(natural[i], _MIN_COLUMN)
        for i in range(count)
    ]
    widths = _fit(natural, floors, limit, wrap_first)
    body = [
        [_wrap(c, widths[i]) if _longest_line(c) > widths[i] else c for i, c in enumerate(row)]
        for row in cells
    ]
    shown = [_wrap(h, widths[i]) for i, h in enumerate(headers)]
    text = tabulate(
        [shown, *body] if headers else body,
        tablefmt="plain",
        disable_numparse=True,
        colalign=align,
    )
    lines = [line.rstrip() for line in str(text).splitlines()]
    if headers and not plain:
        # the rule under the header, as tabulate's "simple" draws it, without its extra padding
        used = [max(_longest_line(c) for c in [shown[i], *(r[i] for r in body)])
                for i in range(count)]  # fmt: skip
        depth = max(len(h.splitlines()) for h in shown)
        lines.insert(depth, (" " * _GAP).join("-" * w for w in used))
    elif headers:
        lines = lines[max(len(h.splitlines()) for h in shown) :]
    return "\n".join(lines)


def block(text: str, width: int, *, markdown: bool, indent: str = "", hang: str = "") -> str:
    """One paragraph of a report: wrapped for a terminal; in Markdown one line after ``indent``
    (its list marker and nesting), which the reader's renderer wraps."""
    if markdown:
        return indent + " ".join(text.split())
    return paragraph(text, width, indent=indent, hang=hang)


def paragraph(text: str, width: int | None = None, *, indent: str = "", hang: str = "") -> str:
    """``text`` wrapped to ``width``: the first line after ``indent``, the others after
    ``hang`` (default: as many spaces as ``indent``)."""
    limit = width or output_width()
    follow = hang if hang else " " * len(indent)
    return textwrap.fill(
        " ".join(text.split()),
        width=limit,
        initial_indent=indent,
        subsequent_indent=follow,
        break_long_words=False,
        break_on_hyphens=False,
    )


def sql(statement: str, width: int | None = None, *, indent: str = "", hang: str = "") -> str:
    """A SQL statement wrapped between tokens only, so that it still runs when pasted: a break
    never falls inside a string literal or a quoted name. A token longer than the line stays
    whole; a statement with a comment, or one the scanner cannot read, is left as it is."""
    from advisor.parse import syntax

    limit = width or output_width()
    follow = hang if hang else " " * len(indent)
    text = statement.strip()
    try:
        tokens = syntax.scan(text)
    except syntax.Unparsable:
        return indent + text
    covered = bytearray(len(text))
    for token in tokens:
        covered[token.start : token.end + 1] = b"\x01" * (token.end + 1 - token.start)
    if any("COMMENT" in token.name for token in tokens):
        return indent + text  # a line comment would swallow what a wrap puts after it
    words: list[str] = []
    current: list[str] = []
    for i, char in enumerate(text):
        if char.isspace() and not covered[i]:
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    lines: list[str] = []
    line = ""
    for word in words:
        lead = indent if not lines else follow
        if not line:
            line = lead + word
        elif len(line) + 1 + len(word) <= limit:
            line += " " + word
        else:
            lines.append(line)
            line = follow + word
    lines.append(line)
    return "\n".join(lines)
