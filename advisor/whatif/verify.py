"""Verify rule-based advice on a non-production copy: build the index for real, plan, drop it.

HypoPG cannot create GIN or GiST indexes, so that advice is unproven. When ``--verify-dsn`` names
a copy of the database that is *not* production, each such index is built there with
``CREATE INDEX CONCURRENTLY``, the table analysed, the statements planned (generic plans), and
the index dropped again. This is the one place where analysis writes, and only to that copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

import psycopg
from psycopg.rows import tuple_row

from advisor.db import ddl, queries, session
from advisor.model import ParsedStatement, Recommendation, StatementEffect
from advisor.whatif import readings
from advisor.whatif.explain import Explainer, PlanError

VERIFY_NAME_PREFIX = "advisor_verify_"


def verify(
    dsn: str,
    recommendations: Sequence[Recommendation],
    parsed: dict[str, ParsedStatement],
    *,
    statement_timeout_ms: int,
) -> list[Recommendation]:
    conn = session.connect(
        dsn,
        statement_timeout_ms=statement_timeout_ms,
        lock_timeout_ms=5000,
        read_only=False,
        option="--verify-dsn",
    )
    out = []
    try:
        explainer = Explainer(conn, conn.info.server_version)
        for rec in recommendations:
            if rec.verified:
                out.append(rec)
                continue
            out.append(_verify_one(conn, explainer, rec, parsed))
    finally:
        conn.close()
    return out


def _verify_one(
    conn: psycopg.Connection[object],
    explainer: Explainer,
    rec: Recommendation,
    parsed: dict[str, ParsedStatement],
) -> Recommendation:
    name = VERIFY_NAME_PREFIX + hashlib.sha1(rec.spec.describe().encode()).hexdigest()[:16]
    # a partitioned table refuses CONCURRENTLY: on the copy, one plain CREATE INDEX builds and
    # attaches every partition's index (and locks the copy's table meanwhile)
    concurrently = not rec.partitions
    create = ddl.create_index(rec.spec, name, concurrently=concurrently, if_not_exists=True)
    drop = ddl.drop_index(rec.spec.table.schema, name, concurrently=concurrently, if_exists=True)
    table = ddl.Name(rec.spec.table.schema, rec.spec.table.name)
    try:
        conn.execute(create)
        conn.execute(psycopg.sql.SQL("ANALYZE {}").format(table))
        names = {name}
        if rec.partitions:
            with conn.cursor(row_factory=tuple_row) as cur:
                cur.execute(
                    queries.load("verify_partition_index_names"),
                    {"index": ddl.display(rec.spec.table.schema, name)},
                )
                names |= {str(row[0]) for row in cur}
        effects = []
        used_any = False
        for effect in rec.effects:
            p = parsed.get(effect.statement.key)
            if p is None:
                effects.append(effect)
                continue
            cost, read = readings.plan_cost(explainer, p)
            used_any |= bool(names & read)
            effects.append(StatementEffect(effect.statement, effect.cost_before, cost))
    except (psycopg.Error, PlanError) as exc:
        note = f"verification on the copy failed: {session.safe_message(exc)}"
        return replace(rec, notes=(*rec.notes, note))
    finally:
        conn.execute(drop)
    if not used_any:
        note = "built on the verification copy, but the planner did not use it"
        return replace(rec, effects=tuple(effects), notes=(*rec.notes, note))
    return replace(
        rec,
        effects=tuple(effects),
        verified=True,
        notes=(*rec.notes, "verified: built on the copy and used by the planner"),
    )
