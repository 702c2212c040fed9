"""The base of a live-catalog rule, and what rules and migration checks share: an id, a
severity, a docstring that is its documentation.

A rule's class docstring is its rationale, one paragraph, written for the reader of the report:
what it flags, why it hurts, what the good shape is. ``fix`` says in one sentence what the
finding's ``fix_sql`` does (or why there is none). ``docs.py`` builds docs/lint-rules.md from
these, and a test fails when one is missing.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar

from psycopg import sql

from advisor.lint.catalog import LintCatalog
from advisor.lint.config import LintConfig
from advisor.lint.history import SequenceHistory
from advisor.lint.model import LintFinding, Severity
from advisor.lint.workload import Workload
from advisor.model import TableRef


@dataclass(frozen=True)
class RuleContext:
    catalog: LintCatalog
    workload: Workload
    config: LintConfig
    history: SequenceHistory | None = None


def render_sql(statements: Iterable[sql.Composable]) -> str:
    """Statements as one script, each ending with ``;`` (comment lines are kept as they are)."""
    out = []
    for statement in statements:
        text = statement.as_string(None)
        out.append(text if text.startswith("--") else text + ";")
    return "\n".join(out)


class Documented:
    """What every rule and migration check has: an id, a severity, a fix line, a docstring; and
    for the docs, the squawk rules it answers and where it goes further than squawk."""

    id: ClassVar[str]
    severity: ClassVar[Severity]
    fix: ClassVar[str]
    squawk: ClassVar[tuple[str, ...]] = ()
    beyond_squawk: ClassVar[str] = ""

    @classmethod
    def rationale(cls) -> str:
        """The class docstring, which is the rule's documentation."""
        own = cls.__dict__.get("__doc__")
        return inspect.cleandoc(own) if own else ""


class Rule(Documented):
    """Base class of live-catalog rules; subclasses set ``id``, ``severity``, ``fix``, a
    docstring, and implement ``check``."""

    needs_workload: ClassVar[bool] = False

    def check(self, ctx: RuleContext) -> Iterator[LintFinding]:
        raise NotImplementedError

    def finding(
        self,
        detail: str,
        table: TableRef | None = None,
        *,
        schema: str | None = None,
        column: str | None = None,
        obj: str | None = None,
        fix: Iterable[sql.Composable] | None = None,
        rollback: Iterable[sql.Composable] | None = None,
        severity: Severity | None = None,
        evidence: Iterable[str] = (),
    ) -> LintFinding:
        return LintFinding(
            rule=self.id,
            severity=severity or self.severity,
            detail=detail,
            schema=table.schema if table is not None else schema,
            table=table.name if table is not None else None,
            column=column,
            object=obj,
            fix_sql=render_sql(fix) if fix is not None else None,
            rollback_sql=render_sql(rollback) if rollback is not None and fix is not None else None,
            evidence=tuple(evidence),
        )
