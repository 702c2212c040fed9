"""Lint reports as text: ``table`` and ``markdown`` for people, ``json`` (a public contract:
keys are added, never renamed or removed), ``github`` (GitHub Actions workflow commands, which
become annotations with no problem matcher) and ``lines`` (``file:line: rule: severity:
message`` for editors and problem matchers).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from advisor.lint.migration.locks import BLOCKS
from advisor.lint.model import LintFinding, LintReport, Severity
from advisor.render import layout
from advisor.render.text import size
from advisor.report.fmt import plural


class LintFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    github = "github"
    lines = "lines"


def finding_dict(f: LintFinding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": str(f.severity),
        "schema": f.schema,
        "table": f.table,
        "column": f.column,
        "object": f.object,
        "detail": f.detail,
        "fix_sql": f.fix_sql,
        "rollback_sql": f.rollback_sql,
        "line": f.line,
        "file": f.file,
        "lock": f.lock,
        "table_size_bytes": f.table_size_bytes,
        "table_rows": f.table_rows,
        "evidence": list(f.evidence),
    }


def to_dict(report: LintReport) -> dict[str, Any]:
    return {
        "findings": [finding_dict(f) for f in report.findings],
        "summary": {str(s): sum(f.severity == s for f in report.findings) for s in Severity},
        "source": report.source,
        "database": report.database,
        "silenced": report.silenced,
        "notes": list(report.notes),
    }


def _weight(f: LintFinding) -> str:
    """``ACCESS EXCLUSIVE on 40.0 GB, ~500,000,000 rows: blocks reads and writes``."""
    parts = []
    if f.lock:
        parts.append(f.lock)
    if f.table_size_bytes is not None:
        rows = f", ~{f.table_rows:,} rows" if f.table_rows is not None else ""
        parts.append(f"on {size(f.table_size_bytes)}{rows}")
    text = " ".join(parts)
    if f.lock and f.table_size_bytes is not None:
        text += f": {BLOCKS[f.lock]}"
    return text


def _summary(report: LintReport) -> str:
    counts = to_dict(report)["summary"]
    what = (
        f"database {report.database}"
        if report.source == "catalog"
        else "migrations" + (f" against database {report.database}" if report.database else "")
    )
    text = (
        f"{plural(len(report.findings), 'finding')} in {what}: {counts['error']} error, "
        f"{counts['warning']} warning, {counts['info']} info"
    )
    if report.silenced:
        text += f"; {report.silenced} silenced"
    return text


def _human(report: LintReport, markdown: bool, width: int | None = None) -> str:
    limit = width or layout.output_width()
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    summary = _summary(report) if markdown else layout.paragraph(_summary(report), limit)
    out = [f"{h1}Lint findings", "", summary, ""]
    for note in report.notes:
        out.append(f"note: {note}" if markdown else layout.paragraph(note, limit, indent="note: "))
    if report.notes:
        out.append("")
    if not report.findings:
        out.append("No findings.")
        return "\n".join(out) + "\n"
    migration = report.source == "migration"
    headers = ["#", "severity", "rule", "where", "detail"]
    if migration:
        headers.append("lock and table")
    rows = []
    for i, f in enumerate(report.findings, 1):
        where = f.location
        if migration and f.table:
            where += f" ({'.'.join(p for p in (f.schema, f.table) if p)})"
        row: list[Any] = [i, str(f.severity), f.rule, where, f.detail]
        if migration:
            row.append(_weight(f))
        rows.append(row)
    wrap_first = [4, 5, 3] if migration else [4, 3]
    out.append(layout.table(rows, headers, width=limit, markdown=markdown, wrap_first=wrap_first))
    fixes = [(i, f) for i, f in enumerate(report.findings, 1) if f.fix_sql]
    if fixes:
        out += ["", f"{h2}Fixes", ""]
        for i, f in fixes:
            down = ["-- to undo:", f.rollback_sql] if f.rollback_sql else []
            if markdown:
                out += [f"{i}. {f.rule} on {f.location}:", "", "```sql", f.fix_sql or "", *down]
                out += ["```", ""]
            else:
                out.append(f"-- {i}. {f.rule} on {f.location}")
                out += [f.fix_sql or "", *down, ""]
    return "\n".join(out).rstrip() + "\n"


def _message(f: LintFinding) -> str:
    weight = _weight(f)
    return f"{f.detail} [{weight}]" if weight else f.detail


def _lines(report: LintReport) -> str:
    out = []
    for f in report.findings:
        where = f"{f.file}:{f.line or 1}" if f.file else f.location
        out.append(f"{where}: {f.rule}: {f.severity}: {_message(f)}\n")
    return "".join(out)


_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message, as GitHub's runner reads it: %, CR and LF encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: the message's escapes, and ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(report: LintReport) -> str:
    """One ``::error|warning|notice file=...,line=...,title=...::message`` line per finding;
    findings of the live schema have no file and show in the run's summary."""
    out = []
    for f in report.findings:
        props = []
        if f.file:
            props += [f"file={escape_property(f.file)}", f"line={f.line or 1}"]
        title = f"{f.rule}" if f.file else f"{f.rule} on {f.location}"
        props.append(f"title={escape_property(title)}")
        message = _message(f)
        if f.fix_sql:
            message += f"\nFix:\n{f.fix_sql}"
        out.append(f"::{_COMMAND[f.severity]} {','.join(props)}::{escape_data(message)}\n")
    return "".join(out)


def render(report: LintReport, fmt: LintFormat, *, width: int | None = None) -> str:
    if fmt is LintFormat.json:
        return json.dumps(to_dict(report), indent=2) + "\n"
    if fmt is LintFormat.github:
        return _github(report)
    if fmt is LintFormat.lines:
        return _lines(report)
    return _human(report, markdown=fmt is LintFormat.markdown, width=width)
