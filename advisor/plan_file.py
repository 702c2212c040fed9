"""The saved plan: ``advisor analyze --save-plan plan.json``, read back by ``advisor apply``.

A JSON document holding what apply needs and what a reviewer wants to see before approving it:
for every recommended index its name, table, ``CREATE INDEX CONCURRENTLY`` and ``DROP INDEX
CONCURRENTLY`` statements, estimated size, and the statements it was proven to help with their
generic-plan costs before and after. On a partitioned table ``create_sql`` holds every step
(``ON ONLY`` the parent, each partition ``CONCURRENTLY``, ``ATTACH``), also listed one by one in
``create_statements``; apply reads the partition tree again when it runs. Example (abridged)::

    {
      "format": "pg-advisor-plan",
      "version": 1,
      "created_at": "2024-05-01T09:30:00+00:00",
      "server": {"database": "shop", "version": "15.6", "version_num": 150006,
                 "system_identifier": "7716245017625515471"},
      "indexes": [
        {
          "schema": "public", "table": "accounts", "name": "accounts_owner_id_idx",
          "method": "btree", "columns": ["owner_id"], "include": [], "where": null,
          "keys": [{"text": "owner_id", "expression": false, "opclass": null,
                    "descending": false, "nulls_first": false}],
          "create_sql": "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_owner_id_idx ON ...",
          "drop_sql": "DROP INDEX CONCURRENTLY IF EXISTS public.accounts_owner_id_idx",
          "estimated_size_bytes": 1343488, "time_saved_ms_per_week": 5120.0,
          "statements": [{"queryid": 42, "query": "SELECT ... WHERE owner_id = $1",
                          "calls": 39, "cost_before": 1234.5, "cost_after": 8.3}]
        }
      ]
    }

``server.system_identifier`` (the cluster's, from ``pg_control_system()``) and
``server.database`` let ``advisor apply`` refuse a plan made on another database. Keys may be
added in later versions, never renamed; ``load_plan`` rejects documents of another
``format`` or of a newer ``version``. The file is written atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from advisor.errors import UsageError
from advisor.fileio import write_atomic
from advisor.model import Recommendation, Report
from advisor.render import json as render_json

PLAN_FORMAT = "pg-advisor-plan"
PLAN_VERSION = 1


@dataclass(frozen=True)
class PlannedStatement:
    """A workload statement an index was proven to help, with its generic-plan costs."""

    queryid: int | None
    query: str
    calls: int = 0
    cost_before: float | None = None
    cost_after: float | None = None


@dataclass(frozen=True)
class PlannedIndex:
    """One index to build: its DDL and the statements it is meant for.

    ``schema`` is None when a migration file names its table unqualified (resolved through the
    ``search_path`` at apply time). ``origin`` says where it was read from, for messages. On a
    partitioned table, ``create_sql`` is the index on the parent and ``partition_names`` the
    names the plan or migration gave the partitions' indexes: (schema or None, table, index).
    """

    schema: str | None
    table: str
    name: str
    create_sql: str
    drop_sql: str
    statements: tuple[PlannedStatement, ...] = ()
    estimated_size_bytes: int | None = None
    origin: str = ""
    partition_names: tuple[tuple[str | None, str, str], ...] = ()


@dataclass(frozen=True)
class SavedPlan:
    created_at: str
    database: str | None
    server_version_num: int | None
    indexes: tuple[PlannedIndex, ...]
    system_identifier: str | None = None  # the cluster it was made on (plans since issue 19)


def _statements(rec: Recommendation) -> list[dict[str, Any]]:
    return [
        {
            "queryid": e.statement.queryid,
            "query": e.statement.query,
            "calls": e.statement.calls,
            "total_exec_ms": round(e.statement.total_exec_ms, 3),
            "cost_before": round(e.cost_before, 2),
            "cost_after": None if e.cost_after is None else round(e.cost_after, 2),
        }
        for e in rec.effects
    ]


def to_document(report: Report, *, now: datetime | None = None) -> dict[str, Any]:
    """The plan document of a report (a plain dict, ready for ``json.dumps``)."""
    created = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return {
        "format": PLAN_FORMAT,
        "version": PLAN_VERSION,
        "created_at": created,
        "server": {
            "database": report.server.database,
            "version": report.server.version,
            "version_num": report.server.version_num,
            "system_identifier": report.server.system_identifier,
        },
        "indexes": [
            {
                "schema": rec.spec.table.schema,
                "table": rec.spec.table.name,
                "name": rec.name,
                "method": rec.spec.method,
                "columns": list(rec.spec.key_texts),
                "keys": render_json.keys(rec.spec),
                "include": list(rec.spec.include),
                "where": rec.spec.where,
                "create_sql": rec.create_sql,
                "drop_sql": rec.drop_sql,
                "create_statements": list(rec.create_statements),
                "drop_statements": list(rec.drop_statements),
                "estimated_size_bytes": rec.estimated_size_bytes,
                "time_saved_ms": None if rec.time_saved_ms is None else round(rec.time_saved_ms, 1),
                "time_saved_ms_per_week": (
                    None
                    if rec.time_saved_ms_per_week is None
                    else round(rec.time_saved_ms_per_week, 1)
                ),
                "statements": _statements(rec),
            }
            for rec in report.recommendations
        ],
        "workload": {
            "cost_before": round(report.workload_cost_before, 2),
            "cost_after": round(report.workload_cost_after, 2),
        },
    }


def save_plan(path: Path, report: Report) -> None:
    """Write the plan of ``report`` to ``path`` (atomically)."""
    write_atomic(path, json.dumps(to_document(report), indent=2) + "\n")


def _bad(path: Path, what: str) -> UsageError:
    return UsageError(
        f"{path} is not a usable plan: {what}",
        "write one with: advisor analyze --save-plan plan.json",
    )


def _text(path: Path, item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, f"index entry without a text {key!r}")
    return value


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _statement(path: Path, item: Any) -> PlannedStatement:
    if not isinstance(item, dict) or not isinstance(item.get("query"), str):
        raise _bad(path, "statement entry without a query text")
    queryid = item.get("queryid")
    calls = item.get("calls")
    return PlannedStatement(
        queryid=queryid if isinstance(queryid, int) and not isinstance(queryid, bool) else None,
        query=item["query"],
        calls=calls if isinstance(calls, int) and not isinstance(calls, bool) else 0,
        cost_before=_number(item.get("cost_before")),
        cost_after=_number(item.get("cost_after")),
    )


def _index(path: Path, item: Any) -> PlannedIndex:
    if not isinstance(item, dict):
        raise _bad(path, "an index entry is not an object")
    statements = item.get("statements", [])
    if not isinstance(statements, list):
        raise _bad(path, "'statements' is not a list")
    size = item.get("estimated_size_bytes")
    schema = item.get("schema")
    name = _text(path, item, "name")
    return PlannedIndex(
        schema=_text(path, item, "schema") if schema is not None else None,
        table=_text(path, item, "table"),
        name=name,
        create_sql=_text(path, item, "create_sql"),
        drop_sql=_text(path, item, "drop_sql"),
        statements=tuple(_statement(path, s) for s in statements),
        estimated_size_bytes=size if isinstance(size, int) and not isinstance(size, bool) else None,
        origin=f"{path.name}: {name}",
    )


def load_plan(path: Path) -> SavedPlan:
    """Read a plan written by ``save_plan``; ``UsageError`` with a one-line reason otherwise."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"plan file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read plan file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise _bad(path, f"invalid JSON at line {exc.lineno}") from None
    if not isinstance(doc, dict) or doc.get("format") != PLAN_FORMAT:
        raise _bad(path, f"'format' is not {PLAN_FORMAT!r}")
    version = doc.get("version")
    if not isinstance(version, int) or version > PLAN_VERSION:
        raise _bad(path, f"plan version {version!r}; this advisor reads up to {PLAN_VERSION}")
    indexes = doc.get("indexes")
    if not isinstance(indexes, list):
        raise _bad(path, "'indexes' is not a list")
    server = doc.get("server")
    if not isinstance(server, dict):
        server = {}
    version_num = server.get("version_num")
    database = server.get("database")
    system = server.get("system_identifier")
    return SavedPlan(
        created_at=str(doc.get("created_at", "")),
        database=database if isinstance(database, str) else None,
        server_version_num=version_num if isinstance(version_num, int) else None,
        indexes=tuple(_index(path, item) for item in indexes),
        system_identifier=system if isinstance(system, str) else None,
    )
