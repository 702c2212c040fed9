"""Time writes to a table with 0, 1 and 3 B-tree indexes on one key; the difference is upkeep.

For each key type a fresh table of ``rows`` rows (``fillfactor = 100``, autovacuum off) is made
``repeat`` times per index count; on it, in turn: one multi-row INSERT of ``batch`` rows, a COPY
of ``batch`` rows, an UPDATE of ``batch`` rows (full pages: every new row version goes to another
page, so none is HOT and each writes an entry into every index), and a DELETE of ``batch`` rows
followed by the VACUUM that removes their index entries. Each operation runs in its own
transaction (autocommit) and is timed on the client (wall time, commit included) and as the CPU
time of its server backend (``/proc/<pid>/schedstat``, which a busy machine disturbs much less
than wall time).

Upkeep of the first index = (time with 1 index - time with none) / rows written; of each further
index = (time with 3 - time with 1) / (rows written x 2). They differ for VACUUM: a table without
an index is vacuumed in one pass over the heap, with one in two.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

import psycopg
from psycopg import sql

OPERATIONS = ("insert", "copy", "update", "delete")
INDEX_COUNTS = (1, 3)


@dataclass(frozen=True)
class KeyType:
    name: str
    column: LiteralString  # the column type
    value: LiteralString  # the value of row g, an SQL expression of g
    width: float  # average stored width in bytes, as pg_stats.avg_width reports it
    ordered: bool  # rises with g: new entries land on the rightmost leaf page


KEYS = (
    KeyType("int4, random", "int4", "(hashint4(g) & 2147483647)::int4", 4, False),
    KeyType("int8, ascending", "int8", "g::int8", 8, True),
    KeyType("timestamptz, ascending", "timestamptz",
            "timestamptz '2024-01-01' + g * interval '1 second'", 8, True),
    KeyType("uuid, random", "uuid", "md5(g::text)::uuid", 16, False),
    KeyType("text 16 chars, random", "text", "lpad(to_hex(hashint4(g)), 16, '0')", 17, False),
    KeyType("text 64 chars, random", "text", "md5(g::text) || md5((g + 7)::text)", 65, False),
)  # fmt: skip


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float


@dataclass(frozen=True)
class Sample:
    key: str
    operation: str
    indexes: int
    rows: int  # rows written (each writes one entry per index)
    timing: Timing


def _cpu_ns(pid: int) -> int:
    """On-CPU nanoseconds of a process so far (``/proc/<pid>/schedstat``, first field)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


class Timer:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        row = conn.execute("SELECT pg_catalog.pg_backend_pid()").fetchone()
        assert row is not None
        self.pid = int(row[0])

    def __call__(self, work: Callable[[], None]) -> Timing:
        cpu = _cpu_ns(self.pid)
        started = time.perf_counter()
        work()
        wall = time.perf_counter() - started
        return Timing(wall, (_cpu_ns(self.pid) - cpu) / 1e9)


def _table(conn: psycopg.Connection[Any], key: KeyType, rows: int, indexes: int) -> None:
    conn.execute("DROP TABLE IF EXISTS upkeep")
    conn.execute(
        sql.SQL(
            "CREATE TABLE upkeep (id bigint, k {}, pad text) "
            "WITH (fillfactor = 100, autovacuum_enabled = off)"
        ).format(sql.SQL(key.column))
    )
    conn.execute(
        sql.SQL(
            "INSERT INTO upkeep SELECT g, {}, repeat('p', 40) FROM generate_series(1, {}) g"
        ).format(sql.SQL(key.value), sql.Literal(rows))
    )
    for _ in range(indexes):
        conn.execute("CREATE INDEX ON upkeep (k)")
    conn.execute("VACUUM (ANALYZE) upkeep")
    conn.execute("CHECKPOINT")


def _operations(
    conn: psycopg.Connection[Any], key: KeyType, rows: int, batch: int
) -> Iterator[tuple[str, int, Callable[[], None]]]:
    """(operation, rows written, the work) on the table ``_table`` made."""
    start = rows + 1

    def insert() -> None:
        conn.execute(
            sql.SQL(
                "INSERT INTO upkeep SELECT g, {}, repeat('p', 40) FROM generate_series({}, {}) g"
            ).format(sql.SQL(key.value), sql.Literal(start), sql.Literal(start + batch - 1))
        )

    yield "insert", batch, insert
    start += batch
    text_rows = conn.execute(
        sql.SQL("SELECT g, ({})::text FROM generate_series({}, {}) g").format(
            sql.SQL(key.value), sql.Literal(start), sql.Literal(start + batch - 1)
        )
    ).fetchall()

    def copy() -> None:
        with conn.cursor() as cur, cur.copy("COPY upkeep (id, k, pad) FROM STDIN") as out:
            for g, value in text_rows:
                out.write_row((g, value, "p" * 40))

    yield "copy", batch, copy

    def update() -> None:
        conn.execute("UPDATE upkeep SET pad = repeat('q', 40) WHERE id BETWEEN %s AND %s",
                     (1, batch))  # fmt: skip

    yield "update", batch, update

    def delete() -> None:
        conn.execute("DELETE FROM upkeep WHERE id BETWEEN %s AND %s", (batch + 1, 2 * batch))
        conn.execute("VACUUM upkeep")

    yield "delete", batch, delete


def measure(
    dsn: str, *, rows: int, batch: int, repeat: int, say: Callable[[str], None]
) -> list[Sample]:
    samples: list[Sample] = []
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        timer = Timer(conn)
        for key in KEYS:
            for n in range(repeat):
                for indexes in (0, *INDEX_COUNTS):
                    say(f"{key.name}: {indexes} indexes, run {n + 1} of {repeat}")
                    _table(conn, key, rows, indexes)
                    for operation, written, work in _operations(conn, key, rows, batch):
                        samples.append(Sample(key.name, operation, indexes, written, timer(work)))
        conn.execute("DROP TABLE IF EXISTS upkeep")
    return samples


@dataclass(frozen=True)
class EntryCost:
    """Measured upkeep of one index entry, in microseconds (medians over the runs): of the first
    index on the table (0 -> 1 index), and of each further one (1 -> 3 indexes, per index)."""

    key: KeyType
    operation: str
    first_cpu_us: float
    further_cpu_us: float
    first_wall_us: float
    further_wall_us: float


def entry_costs(samples: list[Sample]) -> list[EntryCost]:
    by_case: dict[tuple[str, str, int], list[Timing]] = {}
    rows: dict[tuple[str, str], int] = {}
    for s in samples:
        by_case.setdefault((s.key, s.operation, s.indexes), []).append(s.timing)
        rows[(s.key, s.operation)] = s.rows
    low, high = INDEX_COUNTS
    out = []
    for key in KEYS:
        for operation in OPERATIONS:
            runs = [by_case.get((key.name, operation, n), []) for n in (0, low, high)]
            if not all(runs):
                continue
            cpu = [statistics.median(t.cpu_s for t in r) for r in runs]
            wall = [statistics.median(t.wall_s for t in r) for r in runs]
            n = rows[(key.name, operation)] / 1e6  # per entry, in microseconds
            out.append(
                EntryCost(
                    key,
                    operation,
                    first_cpu_us=(cpu[1] - cpu[0]) / (n * low),
                    further_cpu_us=(cpu[2] - cpu[1]) / (n * (high - low)),
                    first_wall_us=(wall[1] - wall[0]) / (n * low),
                    further_wall_us=(wall[2] - wall[1]) / (n * (high - low)),
                )
            )
    return out
