"""Load the SQL the tool runs from ``queries/<name>.sql``, once, as ``sql.SQL``.

In a wheel the files live in ``advisor/queries``; in a source checkout, beside the package.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from psycopg import sql


def _query_dir() -> Path:
    packaged = Path(str(resources.files("advisor"))) / "queries"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "queries"


@functools.cache
def load(name: str) -> sql.SQL:
    """The query ``queries/<name>.sql``; placeholders like ``{pgss}`` are filled with ``format``."""
    text = (_query_dir() / f"{name}.sql").read_text(encoding="utf-8")
    return sql.SQL(text.strip().rstrip(";"))


def names() -> list[str]:
    return sorted(p.stem for p in _query_dir().glob("*.sql"))
