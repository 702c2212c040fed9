"""``lint()``: the live-catalog rules against a database. Reads only; no formatting here."""

from __future__ import annotations

from typing import Any

import psycopg

from advisor.db import session
from advisor.errors import AnalysisAborted
from advisor.lint import catalog as catalog_mod
from advisor.lint import filters, registry
from advisor.lint import workload as workload_mod
from advisor.lint.config import LintConfig
from advisor.lint.history import SequenceHistory
from advisor.lint.model import LintReport
from advisor.lint.rule import RuleContext
from advisor.lint.rules import RULES


def lint(
    dsn: str | None, config: LintConfig, *, history: SequenceHistory | None = None
) -> LintReport:
    """Connect read-only, run every enabled rule, drop what is silenced."""
    registry.validate(config.disable)
    conn = session.connect(
        dsn,
        statement_timeout_ms=config.statement_timeout_ms,
        lock_timeout_ms=config.lock_timeout_ms,
    )
    try:
        return lint_connection(conn, config, history=history)
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(f"connection lost during lint: {session.safe_message(exc)}") from None
    finally:
        if not conn.closed:
            conn.close()


def lint_connection(
    conn: psycopg.Connection[Any],
    config: LintConfig,
    *,
    history: SequenceHistory | None = None,
) -> LintReport:
    active = [r for r in RULES if r.id not in config.disable]
    review = any(r.id == "index-review" for r in active)
    catalog = catalog_mod.read(conn, min_stats_age_s=config.min_stats_age_s if review else None)
    if any(r.needs_workload for r in active):
        workload = workload_mod.read(conn, catalog)
    else:
        workload = workload_mod.Workload(available=False)
    ctx = RuleContext(catalog=catalog, workload=workload, config=config, history=history)
    found = [finding for rule in active for finding in rule.check(ctx)]
    kept, silenced = filters.apply(
        found,
        config.ignore,
        lambda f: catalog.ignores(f.schema, f.table, f.column, f.object),
    )
    notes = [workload.note] if workload.note else []
    return LintReport(
        findings=filters.ordered(kept, registry.all_ids()),
        notes=tuple(notes),
        silenced=silenced,
        source="catalog",
        database=conn.info.dbname,
    )
