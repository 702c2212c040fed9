"""Check Markdown the way a renderer reads it: every table-looking line belongs to a table that
markdown-it (CommonMark with GitHub's table extension) parses, with a header row and the same
number of cells in every row."""

from __future__ import annotations

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark").enable("table")


def tables(text: str) -> list[list[list[str]]]:
    """The tables of ``text`` as rows of cell texts (header row first); fails on a line that
    looks like a table row but is not part of a parsed table."""
    tokens = _MD.parse(text)
    covered: set[int] = set()
    found: list[list[list[str]]] = []
    rows: list[list[str]] = []
    row: list[str] | None = None
    in_cell = False
    for token in tokens:
        if token.type == "table_open":
            assert token.map is not None
            covered.update(range(*token.map))
            rows = []
        elif token.type == "thead_open":
            assert not rows, "a header row comes first"
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            in_cell = True
        elif token.type == "inline" and in_cell and row is not None:
            row.append(token.content)
        elif token.type in ("th_close", "td_close"):
            in_cell = False
        elif token.type == "tr_close" and row is not None:
            rows.append(row)
            row = None
        elif token.type == "table_close":
            found.append(rows)
    for number, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("|"):
            assert number in covered, f"line {number + 1} is not part of a table: {line!r}"
    for table in found:
        assert len({len(r) for r in table}) == 1, f"ragged table: {table}"
    return found
