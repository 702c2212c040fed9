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
from advisor.lint.rule import Documented

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "lint-rules.md"

_INTRO = """\
# advisor lint: rules

Generated from the rule modules by `python -m advisor.lint.docs`; do not edit by hand.

`advisor lint --dsn ...` runs the live schema rules against a database (read-only; the
workload rules read `pg_stat_statements`). `advisor lint --migration FILE.sql` (or a directory,
linted in version order) runs the migration checks on migration files. The checks that ask a
live rule's question of the tables and columns a migration creates share the live rule's id.

Migrations:

- `--migration-format sql|golang-migrate|flyway|alembic|django` (default `sql`, config key
  `migration-format`) names the tool that runs the files, so that each statement is judged in
  the transaction it really runs in, and down migrations are looked for where the format keeps
  them. `sql` is plain SQL run by `psql` (each statement outside `BEGIN ... COMMIT` commits on
  its own; also the output of `alembic upgrade --sql` and `manage.py sqlmigrate`);
  golang-migrate sends a file of several statements as one implicit transaction; Flyway runs a
  file in one transaction unless it spots a statement that cannot run in one (or the file's
  `.sql.conf` sets `executeInTransaction`); alembic and django run the SQL in the migration's
  transaction. A file named `NNN_name.up.sql` is compared with `NNN_name.down.sql` beside it
  (or the file given with `--down`); a Flyway `V<n>__x.sql` with `U<n>__x.sql` once the
  directory has undo scripts.
- `--dsn` attaches each finding's table size, row count and lock, judges by the server's
  version and catalog (which functions are volatile, the old type of a column, the indexes a
  foreign key has, the tables a domain or a `TRUNCATE ... CASCADE` reaches), and weighs the
  checks marked *blocks writes while it scans or rewrites*: on a table of `max-blocking-size`
  ({blocking}) or more the finding is an error, below it a warning (`--max-blocking-size`,
  config key `max-blocking-size`; `large-table` is its older name). `small-table` (default
  {small}) makes findings on smaller tables notes. Without `--dsn`, `--pg-version N` tells the
  version-dependent checks which server the migrations will run on.

Disable rules by id with `--disable id[,id]` or `disable = [...]` in the config
(`[tool.advisor.lint]` in pyproject.toml, `[lint]` in advisor.toml). Silence one object with
`--ignore rule:pattern` or `ignore = ["rule:pattern"]` (a glob over `schema.table`,
`schema.table.column`, `schema.object`, `file`, `file:line`), with `advisor:ignore rule` in a
comment on the table, column, constraint, policy or type (`COMMENT ON ...`), or with
`-- advisor:ignore rule` on a migration statement. `--fail-on info|warning|error|never`
(default `error`) sets when the exit code is 1.

Output: `--format table|markdown|json|github|lines`. The JSON is a contract (keys are added,
never renamed or removed): `findings`, each with `rule`, `severity` (`error`, `warning`,
`info`), `schema`, `table`, `column`, `object` (index, constraint, policy, sequence or type
name), `detail`, `fix_sql`, `rollback_sql` (undoes `fix_sql`), `line` and `file`
(migrations), `lock`, `table_size_bytes`, `table_rows` (migrations with `--dsn`) and
`evidence`; names are raw and unquoted. `github` prints GitHub Actions workflow commands
(`::error file=...,line=...,title=...::message`, `::warning`, `::notice` for info) that
become annotations on the pull request with no problem matcher; `lines` prints
`file:line: rule: severity: detail` for editors and problem matchers.
"""

_SQUAWK = """\
## squawk's rules

Every rule [squawk](https://squawkhq.com) documents, and the check that answers it here. Each
check's section says where it goes further.

| squawk rule | advisor check |
| --- | --- |
"""


def _gib(n: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= factor:
            return f"{n / factor:g} {unit}"
    return f"{n} B"


def anchor(item: Documented, section: int) -> str:
    """A migration check that shares a live rule's id gets its own heading (and anchor)."""
    shared = section > 0 and item.id in registry.live_ids()
    return f"{item.id}-in-migrations" if shared else item.id


def heading(item: Documented, section: int) -> str:
    shared = section > 0 and item.id in registry.live_ids()
    return f"{item.id} (in migrations)" if shared else item.id


def _section(number: int, title: str, items: tuple[Documented, ...]) -> list[str]:
    out = [f"## {title}", "", "| id | severity | fix |", "| --- | --- | --- |"]
    out += [f"| [`{r.id}`](#{anchor(r, number)}) | {r.severity} | {r.fix} |" for r in items]
    out.append("")
    for rule in items:
        out += [f"### {heading(rule, number)}", ""]
        tags = [f"Severity: **{rule.severity}**"]
        if isinstance(rule, MigrationCheck) and rule.scales_with_size:
            tags.append("blocks writes while it scans or rewrites (weighed by size with --dsn)")
        out += ["; ".join(tags) + ".", "", rule.rationale(), "", f"Fix: {rule.fix}", ""]
        if rule.squawk:
            names = ", ".join(f"`{n}`" for n in rule.squawk)
            out += [f"squawk: {names}.", ""]
        if rule.beyond_squawk:
            label = "Beyond squawk" if rule.squawk else "Not in squawk"
            out += [f"{label}: {rule.beyond_squawk}", ""]
    return out


def render() -> str:
    defaults = LintConfig()
    out = [
        _INTRO.format(
            blocking=_gib(defaults.max_blocking_bytes),
            small=_gib(defaults.small_table_bytes) if defaults.small_table_bytes else "0: off",
        )
    ]
    sections = registry.documented()
    for number, (title, items) in enumerate(sections):
        out += _section(number, title, items)
    out.append(_SQUAWK.rstrip("\n"))
    links = {
        item.id: anchor(item, number)
        for number, (_, items) in enumerate(sections)
        for item in items
        if item.squawk
    }
    for name, ids in registry.squawk_map().items():
        out.append(f"| `{name}` | " + ", ".join(f"[`{i}`](#{links[i]})" for i in ids) + " |")
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
