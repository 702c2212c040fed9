"""What happened between two snapshots: counter differences that survive statistics resets.

Counters are cumulative since the last reset. For each row (a statement of one user, a table, an
index) the period's figure is ``newer - older``, except when the counter started again in
between; then it is the newer value alone (what accrued since the restart, a lower bound):

- the reset marker changed (``pg_stat_statements_info.stats_reset`` for statements, the
  database's ``pg_stat_database.stats_reset`` for tables and indexes): every row restarted;
- a counter of the row went down (``pg_stat_statements_reset()`` of one entry, an entry evicted
  and seen again, a table's counters reset, a crash): that row restarted;
- the row is new (a new statement, a table or index created in the period, a new oid).

No figure is ever negative. Sizes and live/dead tuples are gauges: before and after are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from advisor.history.model import IndexRow, Snapshot, StatementRow, TableRow

STATEMENT_COUNTERS = (
    "calls", "total_exec_ms", "total_plan_ms", "rows", "shared_blks_hit", "shared_blks_read",
    "temp_blks_written",
)  # fmt: skip
TABLE_COUNTERS = (
    "seq_scan", "seq_tup_read", "idx_scan", "n_tup_ins", "n_tup_upd", "n_tup_del", "n_tup_hot_upd",
)  # fmt: skip
TABLE_GAUGES = ("n_live_tup", "n_dead_tup", "heap_bytes", "index_bytes", "toast_bytes")
INDEX_COUNTERS = ("scans", "tup_read")


def when(epoch: float | None) -> str:
    """An epoch time as ``2024-05-01 12:00 UTC``."""
    if epoch is None:
        return "unknown"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def frame(rows: Sequence[Any], kind: type) -> pd.DataFrame:
    """Frozen rows -> a DataFrame with one column per field (also when there are no rows)."""
    columns = [f.name for f in fields(kind)]
    return pd.DataFrame([asdict(r) for r in rows], columns=columns)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame's rows as plain dictionaries (column name -> value)."""
    return [{str(k): v for k, v in row.items()} for row in df.to_dict("records")]


def _counter_delta(
    new: pd.DataFrame,
    old: pd.DataFrame | None,
    key: list[str],
    counters: Sequence[str],
    reset_all: bool,
) -> pd.DataFrame:
    """``new`` with each counter replaced by its increase, and a ``restarted`` flag per row."""
    out = new.copy()
    if old is None:
        out["restarted"] = True
        out["existed_before"] = False
        return out
    renamed = {c: f"{c}__old" for c in counters}
    prev = old[[*key, *counters]].rename(columns=renamed)
    merged = out.merge(prev, on=key, how="left", indicator=True)
    missing = merged["_merge"] == "left_only"
    went_down = pd.Series(False, index=merged.index)
    for c in counters:
        before = merged[renamed[c]].fillna(merged[c])  # a new entry did not go down
        went_down |= (merged[c] < before).fillna(False)
    restarted = missing | went_down | reset_all
    for c in counters:
        increase = (merged[c] - merged[renamed[c]]).clip(lower=0)
        merged[c] = merged[c].where(restarted, increase).astype(new[c].dtype)
    merged["restarted"] = restarted
    merged["existed_before"] = ~missing
    return merged.drop(columns=[*renamed.values(), "_merge"])


@dataclass(frozen=True)
class StatementDelta:
    """Per (user, queryid) increases, and the notes a reader needs to trust them."""

    rows: pd.DataFrame
    notes: tuple[str, ...]


def statement_delta(older: Snapshot | None, newer: Snapshot) -> StatementDelta:
    new = frame(newer.statements, StatementRow)
    old = frame(older.statements, StatementRow) if older is not None else None
    notes: list[str] = []
    reset_all = False
    if older is not None and newer.meta.pgss_reset != older.meta.pgss_reset:
        reset_all = True
        notes.append(
            f"pg_stat_statements was reset during the period "
            f"(at {when(newer.meta.pgss_reset)}): statement figures count from the reset"
        )
    rows = _counter_delta(new, old, ["userid", "queryid"], STATEMENT_COUNTERS, reset_all)
    if older is not None and not reset_all and not rows.empty:
        restarted = int((rows["restarted"] & rows["existed_before"]).sum())
        if restarted:
            notes.append(
                f"{restarted} statement entries restarted their counters (reset one by one or "
                f"evicted from pg_stat_statements): they count from the restart"
            )
    return StatementDelta(rows, tuple(notes))


def by_statement(rows: pd.DataFrame) -> pd.DataFrame:
    """Merge a delta's rows by fingerprint: one line per statement, most total time first.

    Columns: fingerprint, queryid (the entry with most time), queryids (tuple), query, the
    counters summed, and mean_exec_ms. Statements without calls in the period are left out.
    """
    columns = ["fingerprint", "queryid", "queryids", "query", *STATEMENT_COUNTERS, "mean_exec_ms"]
    live = rows[rows["calls"] > 0].copy()
    if live.empty:
        return pd.DataFrame(columns=columns)
    blank = live["fingerprint"] == ""
    live.loc[blank, "fingerprint"] = "queryid:" + live.loc[blank, "queryid"].astype(str)
    lead = live.sort_values("total_exec_ms", ascending=False).drop_duplicates("fingerprint")
    sums = live.groupby("fingerprint", as_index=False)[list(STATEMENT_COUNTERS)].sum()
    ids: dict[str, set[int]] = {}
    for fp, queryid in zip(live["fingerprint"], live["queryid"], strict=True):
        ids.setdefault(str(fp), set()).add(int(queryid))
    out = sums.merge(lead[["fingerprint", "queryid", "query"]], on="fingerprint")
    out["queryids"] = [tuple(sorted(ids[str(fp)])) for fp in out["fingerprint"]]
    out["mean_exec_ms"] = out["total_exec_ms"] / out["calls"]
    return out[columns].sort_values("total_exec_ms", ascending=False).reset_index(drop=True)


@dataclass(frozen=True)
class ObjectDelta:
    rows: pd.DataFrame
    notes: tuple[str, ...]


def _stats_reset(older: Snapshot | None, newer: Snapshot) -> tuple[bool, tuple[str, ...]]:
    if older is None or older.meta.stats_reset == newer.meta.stats_reset:
        return False, ()
    return True, (
        f"table and index statistics were reset during the period "
        f"(at {when(newer.meta.stats_reset)}): scans and row counts count from the reset",
    )


def table_delta(older: Snapshot | None, newer: Snapshot) -> ObjectDelta:
    """Per table: counter increases, gauges after and ``*_before``, ``growth_bytes``.

    A table created in the period grew by its whole size; a table whose oid changed (dropped
    and created again) is a new table.
    """
    reset_all, notes = _stats_reset(older, newer)
    new = frame(newer.tables, TableRow)
    old = frame(older.tables, TableRow) if older is not None else None
    rows = _counter_delta(new, old, ["oid"], TABLE_COUNTERS, reset_all)
    before = (
        old[["oid", *TABLE_GAUGES]].rename(columns={g: f"{g}_before" for g in TABLE_GAUGES})
        if old is not None
        else pd.DataFrame(columns=["oid", *(f"{g}_before" for g in TABLE_GAUGES)])
    )
    rows = rows.merge(before, on="oid", how="left")
    for g in TABLE_GAUGES:
        rows[f"{g}_before"] = rows[f"{g}_before"].fillna(0).astype("int64")
    rows["total_bytes"] = rows["heap_bytes"] + rows["index_bytes"] + rows["toast_bytes"]
    rows["total_bytes_before"] = (
        rows["heap_bytes_before"] + rows["index_bytes_before"] + rows["toast_bytes_before"]
    )
    rows["growth_bytes"] = rows["total_bytes"] - rows["total_bytes_before"]
    return ObjectDelta(rows, notes)


def index_delta(older: Snapshot | None, newer: Snapshot) -> ObjectDelta:
    """Per index: scan increases, ``existed_before`` (false for an index created in the period)."""
    reset_all, notes = _stats_reset(older, newer)
    new = frame(newer.indexes, IndexRow)
    old = frame(older.indexes, IndexRow) if older is not None else None
    return ObjectDelta(_counter_delta(new, old, ["oid"], INDEX_COUNTERS, reset_all), notes)
