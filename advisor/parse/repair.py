"""Repair what pg_stat_statements' normalization breaks, so the statement parses again.

pg_stat_statements replaces every constant with ``$n``. A typed literal such as
``date '1995-03-15'`` becomes ``date $1`` and ``interval '3' month`` becomes ``interval $2 month``,
which are not SQL; the field of ``extract(year FROM d)`` becomes ``extract($1 FROM d)``. We work on
the real scanner's tokens: a type name followed by a parameter becomes a cast parameter
(``$1::date``), interval fields are dropped with it (the value is unknown to a generic plan anyway),
and a parameter in the field position of ``extract`` becomes a valid field (``epoch``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import parser

# Scanner token names of keywords that can start a type name in a typed literal.
_TYPE_KEYWORDS = {
    "INTERVAL", "TIMESTAMP", "TIME", "NUMERIC", "DECIMAL_P", "DEC", "INT_P", "INTEGER", "BIGINT",
    "SMALLINT", "REAL", "FLOAT_P", "BOOLEAN_P", "CHAR_P", "CHARACTER", "VARCHAR", "NCHAR", "BIT",
    "JSON",
}  # fmt: skip
_INTERVAL_FIELDS = {"YEAR_P", "MONTH_P", "DAY_P", "HOUR_P", "MINUTE_P", "SECOND_P", "TO"}


@dataclass(frozen=True)
class TextRepair:
    sql: str
    notes: tuple[str, ...]


def _type_span_start(tokens: list[parser.Token], i: int) -> int | None:
    """Index of the first token of a type name that ends right before token ``i``."""
    names = [t.name for t in tokens]
    if (
        i >= 4
        and names[i - 1] == "ZONE"
        and names[i - 2] == "TIME"
        and names[i - 3] in ("WITH", "WITHOUT")
        and names[i - 4] in ("TIMESTAMP", "TIME")
    ):
        return i - 4
    if i >= 2 and names[i - 1] == "PRECISION" and names[i - 2] == "DOUBLE_P":
        return i - 2
    if i >= 2 and names[i - 1] == "VARYING" and names[i - 2] in ("CHARACTER", "BIT"):
        return i - 2
    if i >= 1 and (names[i - 1] == "IDENT" or names[i - 1] in _TYPE_KEYWORDS):
        if i >= 2 and names[i - 2] == "ASCII_46":  # a qualified name: leave it alone
            return None
        return i - 1
    return None


def repair_text(query: str) -> TextRepair:
    """Rewrite typed-literal and ``extract`` parameters; returns the text unchanged if none."""
    try:
        tokens = list(parser.scan(query))
    except Exception:
        return TextRepair(query, ())
    edits: list[tuple[int, int, str]] = []  # (start, end exclusive, replacement)
    notes: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.name != "PARAM":
            i += 1
            continue
        param = query[tok.start : tok.end + 1]
        if i >= 2 and tokens[i - 1].name == "ASCII_40" and tokens[i - 2].name == "EXTRACT":
            edits.append((tok.start, tok.end + 1, "epoch"))
            notes.append(f"extract({param} FROM ...) given a valid field")
            i += 1
            continue
        start = _type_span_start(tokens, i)
        if start is None:
            i += 1
            continue
        type_text = query[tokens[start].start : tokens[i - 1].end + 1]
        end = tok.end + 1
        j = i + 1
        if tokens[start].name == "INTERVAL":
            while j < len(tokens) and tokens[j].name in _INTERVAL_FIELDS:
                end = tokens[j].end + 1
                j += 1
            type_text = "interval"
        edits.append((tokens[start].start, end, f"{param}::{type_text}"))
        notes.append(f"typed literal '{type_text} {param}' rewritten as {param}::{type_text}")
        i = j
    if not edits:
        return TextRepair(query, ())
    out = []
    last = 0
    for start, end, text in edits:
        out.append(query[last:start])
        out.append(text)
        last = end
    out.append(query[last:])
    return TextRepair("".join(out), tuple(notes))
