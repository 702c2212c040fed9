"""``lint()`` for migration files: parse, run the checks, attach table facts from the live
database when there is a DSN, compare each up file with its down file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from pglast import ast
from pglast.enums import ObjectType, ReindexObjectType

from advisor.db import session
from advisor.errors import AnalysisAborted, UsageError
from advisor.lint import catalog as catalog_mod
from advisor.lint import filters, registry
from advisor.lint.catalog import LintCatalog, TableInfo
from advisor.lint.config import LintConfig
from advisor.lint.migration import down as down_mod
from advisor.lint.migration import inventory as inventory_mod
from advisor.lint.migration import locks, source, transactions
from advisor.lint.migration.check import Issue, MigrationCheck, MigrationContext
from advisor.lint.migration.checks import CHECKS
from advisor.lint.migration.checks.down_incomplete import DownIncomplete
from advisor.lint.migration.checks.down_missing import DownMissing
from advisor.lint.migration.source import MigrationFile, Step
from advisor.lint.model import LintFinding, LintReport, Severity
from advisor.lint.sqlexpr import func_name
from advisor.parse.predicates import walk
from advisor.report.fmt import plural

_DOWN_MISSING = DownMissing()
_DOWN_INCOMPLETE = DownIncomplete()


@dataclass(frozen=True)
class Pair:
    """An up migration and its down migration: given, found beside it, or expected and absent."""

    up: Path
    down: Path | None
    down_expected: bool
    down_name: str = ""  # the file name the format expects for it


_FLYWAY = re.compile(r"^([VU])(\d+(?:[._]\d+)*)__(.*\.sql)$")


def natural_key(path: Path) -> tuple[object, ...]:
    """Sort ``V2__`` before ``V10__`` and ``2_x.up.sql`` before ``10_x.up.sql``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path.name))


def _is_down(path: Path, migration_format: str) -> bool:
    if path.name.endswith(".down.sql"):
        return True
    match = _FLYWAY.match(path.name)
    return migration_format == "flyway" and match is not None and match.group(1) == "U"


def _expand(paths: Sequence[Path], migration_format: str) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in path.glob("*.sql") if not _is_down(p, migration_format)]
            files += sorted(found, key=natural_key)
        else:
            files.append(path)
    return files


def _down_of(up: Path, migration_format: str) -> Pair:
    """Where the down migration of ``up`` is, by the naming of its format."""
    if migration_format in ("sql", "golang-migrate") and up.name.endswith(".up.sql"):
        sibling = up.with_name(up.name.removesuffix(".up.sql") + ".down.sql")
        return Pair(up, sibling if sibling.exists() else None, True, sibling.name)
    match = _FLYWAY.match(up.name)
    if migration_format == "flyway" and match is not None and match.group(1) == "V":
        undo = up.with_name(f"U{match.group(2)}__{match.group(3)}")
        uses_undo = any(_FLYWAY.match(p.name) and p.name[0] == "U" for p in up.parent.glob("U*"))
        return Pair(up, undo if undo.exists() else None, uses_undo, undo.name)
    return Pair(up, None, False)


def pairs(
    migrations: Sequence[Path], downs: Sequence[Path] = (), migration_format: str = "sql"
) -> list[Pair]:
    """Pair up files with down files: ``--down`` in order, else by the format's naming
    (``X.up.sql`` with ``X.down.sql``; Flyway's ``V<n>__x.sql`` with ``U<n>__x.sql``, expected
    when the directory has undo scripts at all). alembic and django keep theirs in Python."""
    ups = _expand(migrations, migration_format)
    if downs:
        if len(downs) != len(ups):
            raise UsageError(
                f"{plural(len(downs), '--down file')} for {plural(len(ups), 'migration file')}",
                "give one --down per --migration, in the same order",
            )
        return [Pair(up, down, True) for up, down in zip(ups, downs, strict=True)]
    return [_down_of(up, migration_format) for up in ups]


def flyway_execute_in_transaction(up: Path) -> bool | None:
    """``executeInTransaction`` from Flyway's script configuration ``<file>.conf``, if set."""
    conf = up.with_name(up.name + ".conf")
    try:
        text = conf.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == "executeInTransaction":
            return value.strip().lower() == "true"
    return None


def _function_names(files: Sequence[MigrationFile]) -> set[str]:
    return {
        func_name(n)
        for f in files
        for step in f.steps
        for n in walk(step.node)
        if isinstance(n, ast.FuncCall)
    }


def _table_of(
    ctx: MigrationContext, node: ast.Node, relation: ast.RangeVar | None
) -> TableInfo | None:
    """The live table the statement works on; for DROP INDEX and REINDEX INDEX, the index's."""
    table = ctx.table(relation)
    if table is not None or ctx.catalog is None:
        return table
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_INDEX:
        names = [getattr(n, "sval", None) for n in (node.objects or [()])[0]]
        if names and names[-1]:
            return ctx.index_table(names[-2] if len(names) > 1 else None, names[-1])
    if (
        isinstance(node, ast.ReindexStmt)
        and node.relation is not None
        and node.kind == ReindexObjectType.REINDEX_OBJECT_INDEX
    ):
        return ctx.index_table(node.relation.schemaname, node.relation.relname or "")
    return None


def _severity(
    check: MigrationCheck,
    issue: Issue,
    table: TableInfo | None,
    ctx: MigrationContext,
    config: LintConfig,
) -> Severity:
    """A check's own severity; with a DSN, for statements that rewrite or scan a table under a
    lock that blocks writes, an error from ``max-blocking-size`` on and a warning below."""
    if issue.severity is not None:
        return issue.severity
    if not check.scales_with_size or ctx.catalog is None:
        return check.severity
    if table is None:
        return Severity.INFO
    if table.size_bytes >= config.max_blocking_bytes:
        return Severity.ERROR
    if table.size_bytes < config.small_table_bytes:
        return Severity.INFO
    return Severity.WARNING


def _finding(
    check: MigrationCheck, issue: Issue, step: Step, ctx: MigrationContext, config: LintConfig
) -> LintFinding:
    relation = issue.relation or locks.target(step.node)
    table = _table_of(ctx, step.node, relation)
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
        lock=issue.lock or locks.lock_of(step.node),
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
                detail=f"no down migration: expected {pair.down_name} beside it",
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


@dataclass(frozen=True)
class Live:
    """What the run learns from the database: catalog, function volatility, name, version."""

    catalog: LintCatalog
    volatility: dict[str, str]
    database: str
    pg_version: int


def _live(dsn: str, config: LintConfig, names: set[str]) -> Live:
    conn = session.connect(
        dsn,
        statement_timeout_ms=config.statement_timeout_ms,
        lock_timeout_ms=config.lock_timeout_ms,
    )
    try:
        catalog = catalog_mod.read(conn)
        volatility = catalog_mod.function_volatility(conn, names)
        return Live(catalog, volatility, conn.info.dbname, conn.info.server_version // 10000)
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(f"connection lost during lint: {session.safe_message(exc)}") from None
    finally:
        if not conn.closed:
            conn.close()


def _notes(
    files: Sequence[tuple[Pair, MigrationFile]], config: LintConfig, live: bool
) -> list[str]:
    notes = []
    if not live:
        notes.append("no --dsn: table sizes and locks are not weighed; severities are the defaults")
    if config.migration_format == "sql" and any(_FLYWAY.match(pair.up.name) for pair, _ in files):
        notes.append(
            "the files are named like Flyway's: give --migration-format flyway so that each "
            "file's transaction is judged as Flyway runs it"
        )
    return notes


def lint_files(
    files: Sequence[tuple[Pair, MigrationFile]],
    config: LintConfig,
    live: Live | None = None,
) -> LintReport:
    """Run the checks over parsed files (with what the database says, when there is one)."""
    registry.validate(config.disable)
    active = [c for c in CHECKS if c.id not in config.disable]
    inventory = inventory_mod.build([mig for _, mig in files])
    pg_version = live.pg_version if live is not None else config.pg_version
    found: list[LintFinding] = []
    silenced = 0
    for position, (pair, mig) in enumerate(files):
        conf = (
            flyway_execute_in_transaction(pair.up) if config.migration_format == "flyway" else None
        )
        ctx = MigrationContext(
            file=mig,
            catalog=live.catalog if live is not None else None,
            volatility=live.volatility if live is not None else {},
            migration_format=config.migration_format,
            transactions=transactions.analyse(mig.steps, config.migration_format, conf),
            pg_version=pg_version,
            inventory=inventory,
            position=position,
        )
        for step in mig.steps:
            for check in active:
                for issue in check.check(step, ctx):
                    if check.id in step.ignores or "*" in step.ignores:
                        silenced += 1
                    else:
                        found.append(_finding(check, issue, step, ctx, config))
        found += _pair_findings(pair, mig, config.disable)
    kept, dropped = filters.apply(found, config.ignore)
    return LintReport(
        findings=filters.ordered(kept, registry.all_ids()),
        notes=tuple(_notes(files, config, live is not None)),
        silenced=silenced + dropped,
        source="migration",
        database=live.database if live is not None else None,
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
    finding by the size of the table it touches and judge by the server's version."""
    registry.validate(config.disable)
    for path in [*migrations, *downs]:
        if not path.exists():
            raise UsageError(f"migration {path} not found")
    found_pairs = pairs(migrations, downs, config.migration_format)
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
    live = _live(dsn or "", config, _function_names([f for _, f in files]))
    return lint_files(files, config, live)
