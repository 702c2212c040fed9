"""The table counters at the stored snapshots of this database: what write rates are measured on.

``advisor analyze`` prefers snapshot deltas to the cumulative counters (``advisor.selection.
rates``). It reads the store given with ``--store`` (or ``ADVISOR_STORE``), else the default
store when that file exists; it never creates one. The series starts at the last snapshot taken
at or before the start of the reads' window (else the first after it): every period it holds
overlaps the window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from advisor.errors import AdvisorError
from advisor.history.capture import server_key
from advisor.history.model import TableRow
from advisor.history.store import default_store_path, is_postgres_target, open_store


@dataclass(frozen=True)
class Point:
    seconds_ago: float
    tables: dict[int, TableRow]  # by table oid


def table_series(
    conn: psycopg.Connection[Any], store: str | None, *, window_seconds: float | None
) -> tuple[list[Point], str | None]:
    """The snapshots' table counters, oldest first, and a note when the store could not be read.

    Empty when there is no store or it holds no snapshot of this database before now.
    """
    if store is None and not default_store_path().exists():
        return [], None
    is_file = store is not None and not is_postgres_target(store)
    if is_file and not Path(str(store)).expanduser().exists():
        return [], f"snapshot store {store} does not exist: write rates from table counters"
    try:
        key = server_key(conn)
    except psycopg.errors.InsufficientPrivilege:
        return [], "cannot read pg_control_system() to find this database's snapshots"
    now = time.time()
    start = now - window_seconds if window_seconds else None
    try:
        with open_store(store) as target:
            metas = [m for m in target.snapshots(key) if m.taken_at < now]
            if not metas:
                return [], None
            before = [m for m in metas if start is not None and m.taken_at <= start]
            first = before[-1] if before else metas[0]
            chosen = [m for m in metas if m.taken_at >= first.taken_at]
            points = [
                Point(now - m.taken_at, {row.oid: row for row in target.tables(m)}) for m in chosen
            ]
    except AdvisorError as err:
        return [], f"snapshot store unreadable ({err}): write rates from table counters"
    return points, None
