"""docs/lint-rules.md, generated from the rule modules: ``python -m advisor.lint.docs`` writes it,
and a test fails when the file is out of date or a rule has no rationale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from advisor.fileio import write_atomic
from advisor.lint import registry
from advisor.lint.config import LintConfig
from advisor.lint.migration.check import MigrationCheck

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "lint-rules.md"

_INTRO = """\
# advisor lint: rules

Generated from the rule modules by `python -m advisor.lint.docs`; do not edit by hand.

`advisor lint --dsn ...` runs the live schema rules against a database (read-only; the
workload rules read `pg_stat_statements`). `advisor lint --migration FILE.sql` runs the
migration checks on a migration file; add `--dsn` to attach each finding's table size, row
count and lock, and to weigh findings marked *scales with table size*: below `small-table`
({small}) a note, from `large-table` ({large}) on an error, a warning between. A file named
`NNN_name.up.sql` is compared with `NNN_name.down.sql` beside it (or the file given with
`--down`).

Disable rules by id with `--disable id[,id]` or `disable = [...]` in the config
(`[tool.advisor.lint]` in pyproject.toml, `[lint]` in advisor.toml). Silence one object with
`--ignore rule:pattern` or `ignore = ["rule:pattern"]` (a glob over `schema.table`,
`schema.table.column`, `schema.object`, `file`, `file:line`), with `advisor:ignore rule` in a
comment on the table, column, constraint, policy or type (`COMMENT ON ...`), or with
`-- advisor:ignore rule` on a migration statement. `--fail-on info|warning|error|never`
(default `error`) sets when the exit code is 1.

Output: `--format table|markdown|json|github`. The JSON is a contract (keys are added, never
renamed or removed): `findings`, each with `rule`, `severity` (`error`, `warning`, `info`),
`schema`, `table`, `column`, `object` (index, constraint, policy, sequence or type name),
`detail`, `fix_sql`, `rollback_sql` (undoes `fix_sql`), `line` and `file` (migrations), `lock`,
`table_size_bytes`, `table_rows` (migrations with `--dsn`) and `evidence`; names are raw and
unquoted. `github` prints `file:line: rule: severity: detail` lines for a problem matcher.
"""


def _gib(n: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= factor:
            return f"{n / factor:g} {unit}"
    return f"{n} B"


def render() -> str:
    defaults = LintConfig()
    out = [
        _INTRO.format(
            small=_gib(defaults.small_table_bytes), large=_gib(defaults.large_table_bytes)
        )
    ]
    for title, items in registry.documented():
        out += [f"## {title}", "", "| id | severity | fix |", "| --- | --- | --- |"]
        out += [f"| [`{r.id}`](#{r.id}) | {r.severity} | {r.fix} |" for r in items]
        out.append("")
        for rule in items:
            out += [f"### {rule.id}", ""]
            tags = [f"Severity: **{rule.severity}**"]
            if isinstance(rule, MigrationCheck) and rule.scales_with_size:
                tags.append("scales with table size")
            out += ["; ".join(tags) + ".", "", rule.rationale(), "", f"Fix: {rule.fix}", ""]
    return "\n".join(out).rstrip() + "\n"


def missing_docs() -> list[str]:
    """Ids of rules without a rationale paragraph or a fix line."""
    return [
        item.id
        for _, items in registry.documented()
        for item in items
        if len(item.rationale().split()) < 20 or not item.fix.strip()
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else DOC_PATH
    write_atomic(target, render())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
