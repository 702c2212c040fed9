"""How long the scan counters have been counting, and the scans replicas counted themselves.

``idx_scan`` lives in each server's own cumulative statistics: a hot standby counts the scans of
the queries it serves and the primary never hears of them. An index unused on the primary may be
the one a reporting replica reads all day, so each replica is asked too, read-only, and its
counts are matched to the primary's indexes by schema and name (object ids match on physical
replicas only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import psycopg
from psycopg.rows import dict_row

from advisor.collect.catalog import Catalog
from advisor.db import queries, session
from advisor.errors import AnalysisAborted

IndexKey = tuple[str, str]  # (schema, index name)


def replica_index_scans(
    dsn: str, *, statement_timeout_ms: int = 10_000, lock_timeout_ms: int = 1_000
) -> dict[IndexKey, int]:
    """``{(schema, index name): idx_scan}`` as one replica counted them, over a read-only session.

    Raises ``ConnectionFailed`` (exit code 4, no password in the message) when the replica cannot
    be reached, and ``AnalysisAborted`` when the connection breaks while reading.
    """
    conn = session.connect(
        dsn,
        statement_timeout_ms=statement_timeout_ms,
        lock_timeout_ms=lock_timeout_ms,
        option="--replica-dsn",
    )
    try:
        with conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(queries.load("review_index_scans")).fetchall()
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(
            f"connection to a replica lost: {session.safe_message(exc, dsn)}"
        ) from None
    finally:
        conn.close()
    return {(r["schema"], r["name"]): int(r["scans"] or 0) for r in rows}


def replica_scans_by_oid(
    catalog: Catalog, replicas: Iterable[Mapping[IndexKey, int]]
) -> dict[int, int]:
    """The replicas' scans summed per index of the analysed database, keyed by its oid."""
    oids = {
        (index.table.schema, index.name): index.oid
        for indexes in catalog.indexes.values()
        for index in indexes
    }
    total: dict[int, int] = {}
    for counts in replicas:
        for key, scans in counts.items():
            oid = oids.get(key)
            if oid is not None:
                total[oid] = total.get(oid, 0) + scans
    return total
