"""Frozen values of a lint run: severities, findings, the report."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace


class Severity(enum.StrEnum):
    """How bad a finding is; ``--fail-on`` compares by ``rank``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True)
class LintFinding:
    """One rule broken by one object. Names are raw (unquoted); ``line`` only for migrations."""

    rule: str
    severity: Severity
    detail: str
    schema: str | None = None
    table: str | None = None
    column: str | None = None
    object: str | None = None  # index, constraint, policy, sequence or type name
    fix_sql: str | None = None
    rollback_sql: str | None = None  # undoes fix_sql: the down half of the migration pair
    line: int | None = None
    file: str | None = None
    lock: str | None = None  # migrations: the lock mode the statement takes
    table_size_bytes: int | None = None  # migrations with --dsn
    table_rows: int | None = None  # migrations with --dsn (planner estimate)
    evidence: tuple[str, ...] = ()  # statements or definitions that show the problem

    def with_severity(self, severity: Severity) -> LintFinding:
        return replace(self, severity=severity)

    @property
    def location(self) -> str:
        """``file:line`` for migrations, else the dotted object path."""
        if self.file is not None:
            return f"{self.file}:{self.line or 1}"
        parts = [p for p in (self.schema, self.table, self.column) if p]
        if self.object and not self.column:
            parts.append(self.object)
        return ".".join(parts)


@dataclass(frozen=True)
class LintReport:
    """What a lint run found, what it could not check (``notes``), and what it silenced."""

    findings: tuple[LintFinding, ...]
    notes: tuple[str, ...] = ()
    silenced: int = 0
    source: str = "catalog"  # "catalog" or "migration"
    database: str | None = None

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)
