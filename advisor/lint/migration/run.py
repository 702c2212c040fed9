"""``lint()`` for migration files: parse, run the checks, attach table facts from the live
database when there is a DSN, compare each up file with its down file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from pglast import ast

from advisor.db import session
from advisor.errors import AnalysisAborted, UsageError
from advisor.lint import catalog as catalog_mod
from advisor.lint import filters, registry
from advisor.lint.catalog import LintCatalog, TableInfo
from advisor.lint.config import LintConfig
from advisor.lint.migration import down as down_mod
from advisor.lint.migration import locks, source
from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.checks import CHECKS
from advisor.lint.migration.checks.down_incomplete import DownIncomplete
from advisor.lint.migration.checks.down_missing import DownMissing
from advisor.lint.migration.source import MigrationFile, Step
from advisor.lint.model import LintFinding, LintReport, Severity
from advisor.lint.sqlexpr import func_name
from advisor.parse.predicates import walk

_DOWN_MISSING = DownMissing()
_DOWN_INCOMPLETE = DownIncomplete()


@dataclass(frozen=True)
class Pair:
    """An up migration and its down migration: given, found beside it, or expected and absent."""

    up: Path
    down: Path | None
    down_expected: bool


def _expand(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.glob("*.sql") if not p.name.endswith(".down.sql"))
        else:
            files.append(path)
    return files


def pairs(migrations: Sequence[Path], downs: Sequence[Path] = ()) -> list[Pair]:
    """Pair up files with down files: ``--down`` in order, else ``X.up.sql`` with ``X.down.sql``."""
    ups = _expand(migrations)
    if downs:
        if len(downs) != len(ups):
            raise UsageError(
                f"{len(downs)} --down file(s) for {len(ups)} migration file(s)",
                "give one --down per --migration, in the same order",
            )
        return [Pair(up, down, True) for up, down in zip(ups, downs, strict=True)]
    result = []
    for up in ups:
        if up.name.endswith(".up.sql"):
            sibling = up.with_name(up.name.removesuffix(".up.sql") + ".down.sql")
            result.append(Pair(up, sibling if sibling.exists() else None, True))
        else:
            result.append(Pair(up, None, False))
    return result


def _function_names(files: Sequence[MigrationFile]) -> set[str]:
    return {
        func_name(n)
        for f in files
        for step in f.steps
        for n in walk(step.node)
        if isinstance(n, ast.FuncCall)
    }


def _index_table(catalog: LintCatalog | None, node: ast.Node) -> TableInfo | None:
    """For DROP INDEX: the table the (first) index is on, from the live catalog."""
    if catalog is None or not isinstance(node, ast.DropStmt) or not node.objects:
        return None
    names = [getattr(n, "sval", None) for n in node.objects[0]]
    for ref, indexes in catalog.indexes.items():
        if any(i.name == names[-1] for i in indexes):
            return catalog.tables.get(ref)
    return None


def _severity(
    check: MigrationCheck,
    issue: Issue,
    table: TableInfo | None,
    ctx: MigrationContext,
    config: LintConfig,
) -> Severity:
    if issue.severity is not None:
        return issue.severity
    if not check.scales_with_size or ctx.catalog is None:
        return check.severity
    if table is None:
        return Severity.INFO
    if table.size_bytes >= config.large_table_bytes:
        return Severity.ERROR
    if table.size_bytes < config.small_table_bytes:
        return Severity.INFO
    return Severity.WARNING


def _finding(
    check: MigrationCheck, issue: Issue, step: Step, ctx: MigrationContext, config: LintConfig
) -> LintFinding:
    relation = issue.relation or locks.target(step.node)
    table = ctx.table(relation) or _index_table(ctx.catalog, step.node)
    schema: str | None
    name: str | None
    if table is not None:
        schema, name = table.ref.schema, table.ref.name
    else:
        schema = relation.schemaname if relation is not None else None
        name = relation.relname if relation is not None else None
    detail = issue.detail
    if ctx.catalog is not None and relation is not None and table is None:
        detail += " (table not in the database yet)"
    return LintFinding(
        rule=check.id,
        severity=_severity(check, issue, table, ctx, config),
        detail=detail,
        schema=schema,
        table=name,
        column=issue.column,
        object=issue.obj,
        fix_sql=issue.fix_sql,
        line=step.line,
        file=ctx.file.name,
        lock=locks.lock_of(step.node),
        table_size_bytes=table.size_bytes if table is not None else None,
        table_rows=round(table.rows) if table is not None else None,
        evidence=(step.text,),
    )


def _pair_findings(
    pair: Pair, up: MigrationFile, disabled: frozenset[str]
) -> Iterator[LintFinding]:
    if pair.down is None:
        if pair.down_expected and _DOWN_MISSING.id not in disabled:
            yield LintFinding(
                rule=_DOWN_MISSING.id,
                severity=_DOWN_MISSING.severity,
                file=up.name,
                line=1,
                detail=f"no down migration: expected {up.path.name.removesuffix('.up.sql')}"
                ".down.sql beside it",
            )
        return
    down = source.read(pair.down)
    if not down.steps:
        if _DOWN_MISSING.id not in disabled:
            yield LintFinding(
                rule=_DOWN_MISSING.id,
                severity=_DOWN_MISSING.severity,
                file=up.name,
                line=1,
                detail=f"down migration {pair.down} has no statements",
            )
        return
    if _DOWN_INCOMPLETE.id in disabled:
        return
    for step, change in down_mod.not_undone(up, down):
        if _DOWN_INCOMPLETE.id in step.ignores:
            continue
        yield LintFinding(
            rule=_DOWN_INCOMPLETE.id,
            severity=_DOWN_INCOMPLETE.severity,
            file=up.name,
            line=step.line,
            table=change.table,
            column=change.name
            if change.kind in ("column", "not_null", "default", "type")
            else None,
            object=change.name
            if change.kind
            in (
                "index",
                "constraint",
                "policy",
                "type",
                "sequence",
                "function",
                "view",
                "enum_value",
            )
            else None,
            detail=f"{down_mod.describe(change)}; {pair.down.name} does not undo it",
        )


def _live(dsn: str, config: LintConfig, names: set[str]) -> tuple[LintCatalog, dict[str, str], str]:
    conn = session.connect(
        dsn,
        statement_timeout_ms=config.statement_timeout_ms,
        lock_timeout_ms=config.lock_timeout_ms,
    )
    try:
        catalog = catalog_mod.read(conn)
        volatility = catalog_mod.function_volatility(conn, names)
        return catalog, volatility, conn.info.dbname
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(f"connection lost during lint: {session.safe_message(exc)}") from None
    finally:
        if not conn.closed:
            conn.close()


def lint_files(
    files: Sequence[tuple[Pair, MigrationFile]],
    config: LintConfig,
    catalog: LintCatalog | None = None,
    volatility: dict[str, str] | None = None,
    database: str | None = None,
) -> LintReport:
    """Run the checks over parsed files (with the live catalog, when there is one)."""
    registry.validate(config.disable)
    active = [c for c in CHECKS if c.id not in config.disable]
    found: list[LintFinding] = []
    silenced = 0
    for pair, mig in files:
        ctx = MigrationContext(file=mig, catalog=catalog, volatility=volatility or {})
        for step in mig.steps:
            for check in active:
                for issue in check.check(step, ctx):
                    if check.id in step.ignores or "*" in step.ignores:
                        silenced += 1
                    else:
                        found.append(_finding(check, issue, step, ctx, config))
        found += _pair_findings(pair, mig, config.disable)
    kept, dropped = filters.apply(found, config.ignore)
    notes = (
        []
        if catalog is not None
        else ["no --dsn: table sizes and locks are not weighed; severities are the defaults"]
    )
    return LintReport(
        findings=filters.ordered(kept, registry.all_ids()),
        notes=tuple(notes),
        silenced=silenced + dropped,
        source="migration",
        database=database,
    )


def lint(
    migrations: Sequence[Path],
    config: LintConfig,
    *,
    downs: Sequence[Path] = (),
    dsn: str | None = None,
    use_database: bool = False,
) -> LintReport:
    """Lint migration files; with ``use_database`` (a DSN or the libpq environment), weigh each
    finding by the size of the table it touches."""
    registry.validate(config.disable)
    for path in [*migrations, *downs]:
        if not path.exists():
            raise UsageError(f"migration {path} not found")
    found_pairs = pairs(migrations, downs)
    if not found_pairs:
        raise UsageError("no migration files found", "give .sql files or a directory of them")
    files = [(pair, source.read(pair.up, str(pair.up))) for pair in found_pairs]
    return _lint_parsed(files, config, dsn=dsn, use_database=use_database)


def lint_text(
    text: str,
    config: LintConfig,
    *,
    name: str = "migration.sql",
    dsn: str | None = None,
    use_database: bool = False,
) -> LintReport:
    """Lint one migration given as text, as if it were the file ``name`` (no down file
    expected); with ``use_database``, weigh each finding by the size of the table it touches."""
    registry.validate(config.disable)
    path = Path(name)
    files = [(Pair(path, None, False), source.parse(text, path, name))]
    return _lint_parsed(files, config, dsn=dsn, use_database=use_database)


def _lint_parsed(
    files: list[tuple[Pair, MigrationFile]],
    config: LintConfig,
    *,
    dsn: str | None,
    use_database: bool,
) -> LintReport:
    if not (dsn or use_database):
        return lint_files(files, config)
    catalog, volatility, database = _live(dsn or "", config, _function_names([f for _, f in files]))
    return lint_files(files, config, catalog, volatility, database)
