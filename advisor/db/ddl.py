"""IndexSpec -> composed CREATE / DROP INDEX statements, and index names PostgreSQL accepts.

Names and columns go through ``Name``, an ``sql.Identifier`` that quotes only where needed.
Expression keys and predicates are SQL text that the real parser produced (pglast deparses what
it parsed, quoting identifiers itself); they are never user strings spliced into quotes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from pglast import keywords
from psycopg import sql

from advisor.model import IndexKey, IndexSpec

NAMEDATALEN = 63  # bytes of an identifier PostgreSQL keeps
_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")
_NEEDS_QUOTES = (
    keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS | keywords.COL_NAME_KEYWORDS
)


def is_plain(name: str) -> bool:
    """True when ``name`` reads the same unquoted: lower case, no specials, not a keyword."""
    return bool(_PLAIN.fullmatch(name)) and name not in _NEEDS_QUOTES


class Name(sql.Identifier):
    """An identifier quoted only where PostgreSQL needs it, so the DDL reads like a human's."""

    def as_bytes(self, context: Any = None) -> bytes:
        return b".".join(
            part.encode() if is_plain(part) else sql.Identifier(part).as_bytes(context)
            for part in self._obj
        )


def display(*parts: str) -> str:
    return Name(*parts).as_string(None)


def _key_sql(key: IndexKey) -> sql.Composable:
    column: sql.Composable = (
        sql.SQL("({})").format(sql.SQL(key.text)) if key.expression else Name(key.text)
    )
    if key.opclass:
        column = sql.SQL("{} {}").format(column, Name(key.opclass))
    if key.descending:
        column = sql.SQL("{} DESC").format(column)
    if key.nulls_first is not None:  # only where it differs from the direction's default
        column = sql.SQL("{} NULLS FIRST" if key.nulls_first else "{} NULLS LAST").format(column)
    return column


def create_index(
    spec: IndexSpec,
    name: str | None = None,
    *,
    concurrently: bool = False,
    if_not_exists: bool = False,
) -> sql.Composed:
    parts: list[sql.Composable] = [sql.SQL("CREATE INDEX")]
    if concurrently:
        parts.append(sql.SQL("CONCURRENTLY"))
    if if_not_exists:
        parts.append(sql.SQL("IF NOT EXISTS"))
    if name is not None:
        parts.append(Name(name))
    parts.append(sql.SQL("ON {} USING {}").format(
        Name(spec.table.schema, spec.table.name), sql.SQL(spec.method)
    ))  # fmt: skip
    parts.append(sql.SQL("({})").format(sql.SQL(", ").join(_key_sql(k) for k in spec.keys)))
    if spec.include:
        parts.append(sql.SQL("INCLUDE ({})").format(sql.SQL(", ").join(map(Name, spec.include))))
    if spec.where:
        parts.append(sql.SQL("WHERE {}").format(sql.SQL(spec.where)))
    return sql.SQL(" ").join(parts)


def drop_index(
    schema: str, name: str, *, concurrently: bool = False, if_exists: bool = False
) -> sql.Composed:
    parts: list[sql.Composable] = [sql.SQL("DROP INDEX")]
    if concurrently:
        parts.append(sql.SQL("CONCURRENTLY"))
    if if_exists:
        parts.append(sql.SQL("IF EXISTS"))
    parts.append(Name(schema, name))
    return sql.SQL(" ").join(parts)


def set_n_distinct(schema: str, table: str, column: str, share: float) -> sql.Composed:
    """The column's distinct count for the planner, as a share of the rows (a negative
    ``n_distinct``), then ``ANALYZE`` of the column, which is when it takes effect."""
    target = (Name(schema, table), Name(column))
    return sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET (n_distinct = {}); ANALYZE {} ({})").format(
        *target, sql.SQL(f"{-abs(share):.4g}"), *target
    )


def reset_n_distinct(schema: str, table: str, column: str) -> sql.Composed:
    """Back to ANALYZE's own estimate of the column's distinct count."""
    target = (Name(schema, table), Name(column))
    return sql.SQL("ALTER TABLE {} ALTER COLUMN {} RESET (n_distinct); ANALYZE {} ({})").format(
        *target, *target
    )


def analyze(schema: str, table: str) -> sql.Composed:
    """``ANALYZE`` of the whole table: the only kind that gathers statistics on the expressions
    of its indexes."""
    return sql.SQL("ANALYZE {}").format(Name(schema, table))


def attach_index(parent_schema: str, parent: str, schema: str, name: str) -> sql.Composed:
    """``ALTER INDEX parent ATTACH PARTITION name``: a partition's index joins its parent's."""
    return sql.SQL("ALTER INDEX {} ATTACH PARTITION {}").format(
        Name(parent_schema, parent), Name(schema, name)
    )


def _truncate_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")[:limit]
    return encoded.decode("utf-8", errors="ignore")


def index_name(spec: IndexSpec, taken: Iterable[str]) -> str:
    """``table_col1_col2_idx`` as PostgreSQL would name it, within 63 bytes and not in ``taken``."""
    words = [re.sub(r"\W+", "_", k.text).strip("_") or "expr" for k in spec.keys]
    suffix = {"btree": "idx", "brin": "brin", "gin": "gin", "gist": "gist", "hash": "hash"}
    base = "_".join([spec.table.name, *words, suffix.get(spec.method, "idx")])
    return _free(base, set(taken), spec.describe())


def partition_index_name(
    parent_table: str, parent_index: str, partition: str, taken: Iterable[str]
) -> str:
    """The name of a partition's index that attaches to ``parent_index``, not in ``taken``.

    ``orders_customer_id_idx`` on ``orders`` gives ``orders_2024_customer_id_idx`` on partition
    ``orders_2024`` (what PostgreSQL would name it), other names ``<partition>_<parent_index>``.
    """
    if parent_index.startswith(parent_table + "_"):
        base = partition + parent_index[len(parent_table) :]
    else:
        base = f"{partition}_{parent_index}"
    return _free(base, set(taken), f"{parent_index} {partition}")


def _free(base: str, used: set[str], seed: str) -> str:
    """``base`` when it fits in 63 bytes and is free, else truncated with a hash of ``seed``."""
    if len(base.encode("utf-8")) <= NAMEDATALEN and base not in used:
        return base
    digest = hashlib.sha1(seed.encode("utf-8")).hexdigest()
    for extra in range(100):
        tag = f"_{digest[:8]}" + (f"_{extra}" if extra else "")
        candidate = _truncate_bytes(base, NAMEDATALEN - len(tag)) + tag
        if candidate not in used:
            return candidate
    raise ValueError(f"cannot find a free index name for {seed}")
