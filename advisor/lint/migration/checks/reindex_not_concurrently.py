"""Migration check ``reindex-not-concurrently``."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import ReindexObjectType
from pglast.stream import RawStream

from advisor.db.ddl import Name
from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.source import Step
from advisor.lint.migration.transactions import has_option
from advisor.lint.model import Severity

SINCE = 12


def _concurrently(node: ast.ReindexStmt) -> str:
    """``REINDEX [(VERBOSE)] KIND CONCURRENTLY name``: the spelling PostgreSQL 12 and 13 read
    too (the option list takes CONCURRENTLY only from 14)."""
    verbose = "(VERBOSE) " if has_option(node.params, "verbose") else ""
    kind = node.kind.name.rpartition("_")[2] if node.kind is not None else "INDEX"
    if node.relation is not None:
        name = str(RawStream()(node.relation))
    else:
        name = Name(node.name or "").as_string(None)
    return f"REINDEX {verbose}{kind} CONCURRENTLY {name};"


class ReindexNotConcurrently(MigrationCheck):
    """``REINDEX`` rebuilds an index while holding a SHARE lock on its table (writes wait) and
    an ACCESS EXCLUSIVE lock on the index (queries that would use it wait too), for as long as
    the build of the whole index takes. ``REINDEX ... CONCURRENTLY`` (PostgreSQL 12+) builds a
    new copy beside it and swaps them, letting reads and writes go on; it cannot run in a
    transaction block and cannot reindex system catalogs. With ``--dsn`` the finding carries
    the size of the table the index belongs to.
    """

    id = "reindex-not-concurrently"
    severity = Severity.WARNING
    fix = "REINDEX ... CONCURRENTLY (PostgreSQL 12+), outside any transaction block."
    scales_with_size = True
    squawk = ("require-concurrent-reindex",)
    beyond_squawk = (
        "Weighs the finding by the size of the index's table (--dsn) and knows the version "
        "(CONCURRENTLY needs 12)."
    )

    def check(self, step: Step, ctx: MigrationContext) -> Iterator[Issue]:
        node = step.node
        if not isinstance(node, ast.ReindexStmt) or has_option(node.params, "concurrently"):
            return
        if node.kind == ReindexObjectType.REINDEX_OBJECT_SYSTEM:
            return
        what = node.kind.name.rpartition("_")[2].lower() if node.kind is not None else "index"
        if ctx.version_at_least(SINCE) is False:
            yield Issue(
                f"reindexes a {what} under locks that block writes; PostgreSQL "
                f"{ctx.pg_version} has no CONCURRENTLY form (12+)",
                severity=Severity.INFO,
            )
            return
        whole = node.kind in (
            ReindexObjectType.REINDEX_OBJECT_SCHEMA,
            ReindexObjectType.REINDEX_OBJECT_DATABASE,
        )
        yield Issue(
            f"reindexes a {what} without CONCURRENTLY: writes wait for the whole rebuild",
            fix_sql=_concurrently(node),
            severity=Severity.WARNING if whole else None,
        )
