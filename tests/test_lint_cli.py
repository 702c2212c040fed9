"""``advisor lint`` through its Typer command: formats, the JSON contract, exit codes,
config files and silencing options."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from advisor.cli import app
from advisor.lint.model import LintFinding, LintReport, Severity
from advisor.lint.render import LintFormat, escape_data, escape_property, render

CORPUS = Path(__file__).parent / "lint_corpus"
SCHEMA = """
CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(40), created timestamp);
CREATE TABLE nokey (note text);
"""


APP = app


def invoke(*args: str, cwd: Path | None = None, **kw: Any) -> Any:
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(APP, ["lint", *args], **kw)
    with runner.isolated_filesystem(temp_dir=cwd):
        return runner.invoke(APP, ["lint", *args], **kw)


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    return make_db(SCHEMA, hypopg=False)


def test_json_contract(db: Any) -> None:
    result = invoke("--dsn", db.dsn, "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"findings", "summary", "source", "database", "silenced", "notes"} <= doc.keys()
    keys = {"rule", "severity", "schema", "table", "column", "object", "detail", "fix_sql", "line"}
    for finding in doc["findings"]:
        assert keys <= finding.keys()
        assert finding["severity"] in ("error", "warning", "info")
        assert finding["line"] is None
    by_rule = {f["rule"]: f for f in doc["findings"]}
    assert by_rule["varchar-too-short"]["schema"] == "public"
    assert by_rule["varchar-too-short"]["column"] == "email"
    assert by_rule["no-primary-key"]["table"] == "nokey"
    assert by_rule["timestamp-without-time-zone"]["fix_sql"].endswith("TYPE timestamptz;")


def test_fail_on_sets_the_exit_code(db: Any) -> None:
    assert invoke("--dsn", db.dsn).exit_code == 0  # default: errors only, there are none
    assert invoke("--dsn", db.dsn, "--fail-on", "warning").exit_code == 1
    assert invoke("--dsn", db.dsn, "--fail-on", "bogus").exit_code == 2


def test_table_and_markdown(db: Any) -> None:
    table = invoke("--dsn", db.dsn)
    assert "no-primary-key" in table.stdout and "public.nokey" in table.stdout
    assert "Fixes" in table.stdout and "ALTER TABLE public.accounts" in table.stdout
    markdown = invoke("--dsn", db.dsn, "-f", "markdown")
    assert markdown.stdout.startswith("# Lint findings")
    assert "| severity" in markdown.stdout and "```sql" in markdown.stdout


def test_disable_and_ignore_options(db: Any) -> None:
    result = invoke(
        "--dsn",
        db.dsn,
        "-f",
        "json",
        "--disable",
        "no-primary-key,char-type",
        "--ignore",
        "varchar-too-short:public.accounts.*",
    )
    doc = json.loads(result.stdout)
    assert {f["rule"] for f in doc["findings"]} == {"timestamp-without-time-zone"}
    assert doc["silenced"] == 1
    bad = invoke("--dsn", db.dsn, "--disable", "no-such-rule")
    assert bad.exit_code == 2 and "unknown rule id(s): no-such-rule" in bad.output


def test_config_in_pyproject_and_advisor_toml(db: Any, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.advisor.lint]\ndisable = ["no-primary-key"]\n'
        'fail-on = "warning"\n'
    )
    nested = tmp_path / "app" / "db"
    nested.mkdir(parents=True)
    runner = CliRunner()
    import os

    cwd = os.getcwd()
    try:
        os.chdir(nested)  # the nearest config upwards is found
        result = runner.invoke(APP, ["lint", "--dsn", db.dsn, "-f", "json"])
        assert result.exit_code == 1  # fail-on warning from the config
        rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
        assert "no-primary-key" not in rules and "varchar-too-short" in rules
        (nested / "advisor.toml").write_text(
            '[lint]\nignore = ["*:public.accounts*"]\nfail-on = "never"\n'
        )
        result = runner.invoke(APP, ["lint", "--dsn", db.dsn, "-f", "json"])
        assert result.exit_code == 0
        assert {f["rule"] for f in json.loads(result.stdout)["findings"]} == {"no-primary-key"}
        result = runner.invoke(APP, ["lint", "--dsn", db.dsn, "--fail-on", "warning"])
        assert result.exit_code == 1  # the command line wins over the config
    finally:
        os.chdir(cwd)
    broken = tmp_path / "broken.toml"
    broken.write_text('[lint]\ndisabel = ["x"]\n')
    result = runner.invoke(APP, ["lint", "--dsn", db.dsn, "--config", str(broken)])
    assert result.exit_code == 2 and "unknown key 'disabel'" in result.output


def test_github_format_is_native_annotations() -> None:
    path = CORPUS / "unsafe" / "everything.sql"
    result = invoke("--migration", str(path), "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert all(re.fullmatch(r"::(error|warning|notice) [^:]+::.+", line) for line in lines)
    (drop,) = [line for line in lines if "title=drop-column" in line]
    command, props, message = drop.split("::", 2)[1].partition(" ")[0], *drop.split("::")[1:3]
    assert command == "error"
    assert props == f"error file={path},line=2,title=drop-column"
    assert message.startswith("drops column legacy_flag: running code that uses it fails")
    assert "%0A" not in message  # no fix for a drop: one line
    notes = {re.findall(r"title=([^:,]+)", n)[0] for n in lines if n.startswith("::notice ")}
    assert notes == {"not-rerunnable", "missing-statement-timeout"}  # info becomes a notice
    fixed = next(line for line in lines if "title=add-check-validates" in line)
    assert "%0AFix:%0AALTER TABLE ledger ADD CONSTRAINT" in fixed


def test_github_escaping_follows_the_workflow_command_rules() -> None:
    assert escape_data("50% of rows\r\nnext") == "50%25 of rows%0D%0Anext"
    assert escape_property("db/m,1:2.sql") == "db/m%2C1%3A2.sql"
    report = LintReport(
        findings=(
            LintFinding(
                rule="drop-table",
                severity=Severity.ERROR,
                detail="drops x: 100% gone",
                file="db/001,init:a.sql",
                line=3,
            ),
            LintFinding(
                rule="no-primary-key",
                severity=Severity.WARNING,
                detail="d",
                schema="public",
                table="t",
            ),
        ),
        source="migration",
    )
    out = render(report, LintFormat.github).splitlines()
    assert out == [
        "::error file=db/001%2Cinit%3Aa.sql,line=3,title=drop-table::drops x: 100%25 gone",
        "::warning title=no-primary-key on public.t::d",
    ]


def test_lines_format_for_problem_matchers() -> None:
    path = CORPUS / "unsafe" / "everything.sql"
    result = invoke("--migration", str(path), "--format", "lines")
    lines = result.stdout.splitlines()
    assert (
        f"{path}:2: drop-column: error: drops column legacy_flag: running code that uses it"
        " fails, and its data is lost [ACCESS EXCLUSIVE]" in lines
    )
    assert all(line.startswith(f"{path}:") for line in lines) and len(lines) == 9


def test_migrations_with_dsn_carry_size_and_lock(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "001_index.up.sql"
    path.write_text(
        "SET lock_timeout = '1s';\nCREATE INDEX accounts_email_idx ON accounts (email);\n"
    )
    (tmp_path / "001_index.down.sql").write_text("DROP INDEX CONCURRENTLY accounts_email_idx;\n")
    out = tmp_path / "report.json"
    result = invoke("--migration", str(path), "--dsn", db.dsn, "-f", "json", "--output", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    findings = {f["rule"]: f for f in json.loads(out.read_text())["findings"]}
    assert set(findings) == {"create-index-not-concurrently", "missing-statement-timeout"}
    finding = findings["create-index-not-concurrently"]
    assert finding["severity"] == "warning"  # below --max-blocking-size (10 MB)
    assert (finding["file"], finding["line"], finding["lock"]) == (str(path), 2, "SHARE")
    assert finding["table_size_bytes"] is not None and finding["table"] == "accounts"
    result = invoke("--migration", str(path), "--dsn", db.dsn, "--small-table", "0")
    assert "SHARE on 0 B" in result.stdout  # an empty heap: the size is shown, the lock named
    result = invoke("--migration", str(path), "--dsn", db.dsn, "--max-blocking-size", "0")
    assert result.exit_code == 1  # from 0 bytes on, a build that blocks writes is an error
    result = invoke("--migration", str(path), "--dsn", db.dsn, "--large-table", "0", "-f", "json")
    assert "error" in {f["severity"] for f in json.loads(result.stdout)["findings"]}


def test_usage_errors() -> None:
    assert invoke("--migration", "/no/such/file.sql").exit_code == 2
    result = invoke("--down", "x.sql")
    assert result.exit_code == 2 and "--down needs --migration" in result.output
    listing = invoke("--list-rules")
    assert listing.exit_code == 0 and "no-primary-key" in listing.stdout
    assert "create-index-not-concurrently" in listing.stdout
