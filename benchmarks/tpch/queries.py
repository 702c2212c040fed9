"""The 22 TPC-H queries of ``queries.sql``, and the ``--queries FILE`` the advisor is given.

``queries.sql`` holds the validation parameters; ``params`` makes further instances of the same
templates (``templates.sql``), each a ``TpchQuery`` with its ``param_set``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

QUERIES_FILE = Path(__file__).with_name("queries.sql")
_HEADER = re.compile(r"^-- Q(\d+): (.+)$")


@dataclass(frozen=True)
class TpchQuery:
    number: int
    title: str
    sql: str  # one statement, constants inline, no trailing semicolon
    param_set: int = 1  # which parameter set of the template (1: the validation parameters)

    @property
    def label(self) -> str:
        return f"Q{self.number}"

    @property
    def key(self) -> tuple[int, int]:
        """What tells the instances apart: (template number, parameter set)."""
        return (self.number, self.param_set)


def instance_label(key: tuple[int, int]) -> str:
    """``Q5/2``: template 5 with parameter set 2."""
    return f"Q{key[0]}/{key[1]}"


def parse(text: str) -> tuple[TpchQuery, ...]:
    """Split the file: a ``-- Qn: title`` line opens a query, a line ending in ``;`` closes it."""
    found: list[TpchQuery] = []
    header: tuple[int, str] | None = None
    body: list[str] = []
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            header = (int(match.group(1)), match.group(2).strip())
            body = []
            continue
        if header is None:
            continue
        body.append(line)
        if line.rstrip().endswith(";"):
            statement = "\n".join(body).strip().removesuffix(";").rstrip()
            found.append(TpchQuery(header[0], header[1], statement))
            header = None
    numbers = [q.number for q in found]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"duplicate query numbers in the queries file: {numbers}")
    return tuple(sorted(found, key=lambda q: q.number))


def load(path: Path = QUERIES_FILE) -> tuple[TpchQuery, ...]:
    return parse(path.read_text(encoding="utf-8"))


def render_file(queries: Iterable[TpchQuery], calls: Mapping[int, int] | None = None) -> str:
    """Queries as ``--queries FILE`` reads them: semicolon-separated, ``-- calls: N`` weights."""
    parts = []
    for q in queries:
        lines = [f"-- Q{q.number}: {q.title}"]
        if calls and q.number in calls:
            lines.append(f"-- calls: {calls[q.number]}")
        lines.append(q.sql + ";")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
