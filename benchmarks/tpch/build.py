"""Build a recommended set for real, measure it, drop it again.

The advisor's ``create_sql`` is run as written (``CREATE INDEX CONCURRENTLY``, so one statement
per transaction), then the real size is read with ``pg_relation_size`` and set beside the
advisor's estimate.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from advisor.apply import run as apply_run
from advisor.apply import validate
from advisor.apply.model import ApplyOptions, Outcome
from advisor.apply.record import JsonLinesRecorder
from advisor.apply.source import Source
from advisor.plan_file import PlannedIndex
from benchmarks.tpch.replay import connect


@dataclass(frozen=True)
class BuiltIndex:
    schema: str
    name: str
    table: str
    columns: tuple[str, ...]
    include: tuple[str, ...]
    where: str | None
    method: str
    estimated_bytes: int
    real_bytes: int
    build_seconds: float
    error: str | None = None  # why it could not be built

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def shape(self) -> str:
        """``lineitem (l_shipdate) INCLUDE (l_discount)``, the method when not B-tree."""
        text = f"{self.table}" + ("" if self.method == "btree" else f" USING {self.method}")
        text += f" ({', '.join(self.columns)})"
        if self.include:
            text += f" INCLUDE ({', '.join(self.include)})"
        if self.where:
            text += f" WHERE {self.where}"
        return text


def build(dsn: str, recommendations: Sequence[dict[str, Any]]) -> list[BuiltIndex]:
    """Create every recommended index; ANALYZE only the tables of expression indexes.

    A blanket ANALYZE would draw new random samples and change plans for reasons that have
    nothing to do with the indexes; an expression index, though, has no statistics without one.
    """
    built = []
    expression_tables: set[tuple[str, str]] = set()
    with connect(dsn, tracked=False) as conn:
        _create_extensions(conn, recommendations)
        for rec in recommendations:
            started = time.monotonic()
            error: str | None = None
            try:
                conn.execute(str(rec["create_sql"]).encode())
            except psycopg.Error as exc:
                error = str(exc).strip().splitlines()[0]
            seconds = time.monotonic() - started
            if any(not _plain(c) for c in rec.get("columns") or ()):
                expression_tables.add((str(rec["schema"]), str(rec["table"])))
            built.append(_built(conn, rec, seconds, error))
        _analyze(conn, expression_tables)
    return built


def _create_extensions(
    conn: psycopg.Connection[Any], recommendations: Sequence[dict[str, Any]]
) -> None:
    """The extensions the set's indexes need (a trigram operator class)."""
    needs = {ext for rec in recommendations for ext in _extensions(str(rec["create_sql"]))}
    for extension in sorted(needs):
        conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(extension)))


def _built(
    conn: psycopg.Connection[Any], rec: dict[str, Any], seconds: float, error: str | None
) -> BuiltIndex:
    """The recommendation as built, its real size read from the catalog."""
    regclass = sql.Identifier(str(rec["schema"]), str(rec["name"])).as_string(conn)
    row = conn.execute(
        "SELECT pg_catalog.pg_relation_size(pg_catalog.to_regclass(%s))", (regclass,)
    ).fetchone()
    return BuiltIndex(
        schema=str(rec["schema"]),
        name=str(rec["name"]),
        table=str(rec["table"]),
        columns=tuple(str(c) for c in rec.get("columns") or ()),
        include=tuple(str(c) for c in rec.get("include") or ()),
        where=str(rec["where"]) if rec.get("where") else None,
        method=str(rec.get("method") or "btree"),
        estimated_bytes=int(rec.get("estimated_size_bytes") or 0),
        real_bytes=int(row[0]) if row and row[0] is not None else 0,
        build_seconds=seconds,
        error=error,
    )


def _analyze(conn: psycopg.Connection[Any], tables: set[tuple[str, str]]) -> None:
    for schema, table in sorted(tables):
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema, table)))


@dataclass(frozen=True)
class Validated:
    """A set built by ``advisor apply --validate``: what it kept, and what it took back."""

    kept: list[BuiltIndex]
    reverted: list[tuple[str, str]]  # (index name, why)
    seconds: float  # the whole apply, timed runs included


def _planned(rec: dict[str, Any]) -> PlannedIndex:
    return PlannedIndex(
        schema=str(rec["schema"]),
        table=str(rec["table"]),
        name=str(rec["name"]),
        create_sql=str(rec["create_sql"]),
        drop_sql=str(rec["drop_sql"]),
        estimated_size_bytes=int(rec.get("estimated_size_bytes") or 0),
    )


def build_validated(
    dsn: str,
    recommendations: Sequence[dict[str, Any]],
    statements: Sequence[str],
    options: validate.ValidateOptions,
    say: Callable[[str], None],
    log: Path | None = None,
) -> Validated:
    """Build the set as ``advisor apply --validate`` does: the statements each index changes
    are timed before and after its build, and an index that makes one slower is dropped again.

    ``statements`` are the statements apply may time: the benchmark passes instances of its own
    that it does not measure (another parameter set), so the set is not judged on what it is
    scored on. ``log``: where apply records it (``advisor analyze --apply-log`` reads it)."""
    indexes = tuple(_planned(rec) for rec in recommendations)
    with connect(dsn, tracked=False) as conn:
        _create_extensions(conn, recommendations)
    validator = validate.Validator(dsn, validate.candidates(statements), options)
    try:
        result = apply_run.apply(
            dsn, Source(Path("<benchmark>"), indexes), ApplyOptions(), validator=validator,
            say=say, recorders=[JsonLinesRecorder(log)] if log else [],
        )  # fmt: skip
    finally:
        validator.close()
    by_name = {str(rec["name"]): rec for rec in recommendations}
    kept, reverted = [], []
    with connect(dsn, tracked=False) as conn:
        for item in result.results:
            rec = by_name[item.index.name]
            if item.outcome is Outcome.REVERTED:
                reverted.append((item.index.name, item.message))
                continue
            error = item.message if item.outcome is Outcome.FAILED else None
            kept.append(_built(conn, rec, item.seconds, error))
        _analyze(conn, {(i.schema, i.table) for i in kept if not all(map(_plain, i.columns))})
    return Validated(kept, reverted, result.elapsed_seconds)


def _extensions(create_sql: str) -> set[str]:
    """Extensions an index needs before it can be built (trigram operator classes)."""
    return {"pg_trgm"} if "_trgm_ops" in create_sql else set()


def _plain(column: object) -> bool:
    """A bare column name (as the JSON lists key columns), not an expression."""
    text = str(column).strip('"')
    return text.replace("_", "").isalnum()


@contextlib.contextmanager
def built(dsn: str, recommendations: Sequence[dict[str, Any]]) -> Iterator[list[BuiltIndex]]:
    """The set built for the block (``build``), dropped after it, whatever happened."""
    made = build(dsn, recommendations)
    try:
        yield made
    finally:
        drop(dsn, recommendations)


@contextlib.contextmanager
def validated(
    dsn: str,
    recommendations: Sequence[dict[str, Any]],
    statements: Sequence[str],
    say: Callable[[str], None],
    log: Path | None = None,
) -> Iterator[Validated]:
    """The set built by ``build_validated`` (default options) for the block, every index of it
    dropped after, whatever happened."""
    try:
        yield build_validated(
            dsn, recommendations, statements, validate.ValidateOptions(), say, log=log
        )
    finally:
        drop(dsn, recommendations)


def drop(dsn: str, recommendations: Sequence[dict[str, Any]]) -> None:
    with connect(dsn, tracked=False) as conn:
        for rec in recommendations:
            conn.execute(str(rec["drop_sql"]).encode())
