"""Read HypoPG's index names even when HypoPG cut them in the middle of a character.

HypoPG names a hypothetical index ``<oid>btree_<table>_...`` and truncates that name to 63
bytes without minding UTF-8: a table whose name is long and not ASCII gives a name ending in half
a character. The server sends those bytes as they are, in ``hypopg_create_index``'s result and in
EXPLAIN's "Index Name", and a strict decoder fails on them. These loaders decode with
replacement characters instead; both places hold the same bytes, so the two decoded names still
match.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg.adapt import Buffer, Loader


class LenientTextLoader(Loader):
    def load(self, data: Buffer) -> str:
        return bytes(data).decode("utf-8", errors="replace")


class LenientJsonLoader(Loader):
    def load(self, data: Buffer) -> Any:
        return json.loads(bytes(data).decode("utf-8", errors="replace"))


def cursor(conn: psycopg.Connection[Any]) -> psycopg.Cursor[Any]:
    """A cursor of ``conn`` that reads text and json leniently (the connection is unchanged)."""
    cur = conn.cursor()
    cur.adapters.register_loader("text", LenientTextLoader)
    cur.adapters.register_loader("json", LenientJsonLoader)
    return cur
