"""The command line: output formats, the JSON contract, migrations, exit codes, one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.numeric import Int8

from tests.markdown_tables import tables

SCHEMA = """
CREATE TABLE accounts (id bigint PRIMARY KEY, owner_id bigint NOT NULL, note text);
INSERT INTO accounts SELECT g, g % 5000, 'n' || g FROM generate_series(1, 60000) g;
"""
LOOKUP = "SELECT id, note FROM accounts WHERE owner_id = %s"


def advisor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    database.run(LOOKUP, [(Int8(i),) for i in range(1, 40)])
    return database


def test_json_contract_keys(db: Any) -> None:
    proc = advisor("analyze", "--dsn", db.dsn, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert {"recommendations", "statements", "skipped", "findings", "workload"} <= doc.keys()
    rec = doc["recommendations"][0]
    assert {
        "schema", "table", "method", "columns", "include", "where", "create_sql", "drop_sql",
        "estimated_size_bytes", "queries",
    } <= rec.keys()  # fmt: skip
    assert (rec["schema"], rec["table"], rec["method"], rec["columns"]) == (
        "public", "accounts", "btree", ["owner_id"],
    )  # fmt: skip
    assert isinstance(rec["include"], list) and rec["where"] is None
    assert rec["estimated_size_bytes"] > 0
    query = rec["queries"][0]
    assert {"queryid", "query", "calls", "cost_before", "cost_after"} <= query.keys()
    assert query["query"] == "SELECT id, note FROM accounts WHERE owner_id = $1"
    assert query["calls"] == 39 and query["cost_after"] < query["cost_before"]
    for item in doc["statements"]:
        assert {"queryid", "query", "calls", "cost_before", "cost_after", "reason"} <= item.keys()
    for item in doc["skipped"]:
        assert {"queryid", "query", "reason"} <= item.keys() and item["reason"]
    assert {"statements", "analyzed", "cost_before", "cost_after", "explain_calls"} <= doc[
        "workload"
    ].keys()
    assert doc["workload"]["explain_calls"] > 0


@pytest.mark.parametrize("columns", [80, 100])
def test_table_and_markdown_formats(db: Any, columns: int) -> None:
    """Text fits COLUMNS (wrapped inside its cells, SQL between tokens); Markdown tables parse."""
    import os

    env = {**os.environ, "COLUMNS": str(columns)}
    # and a statement the primary key serves already: every section of the report is printed
    served = ("--query", "SELECT note FROM accounts WHERE id = 42", "--with-workload")
    table = advisor("analyze", "--dsn", db.dsn, "--verbose", *served, env=env)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns, max(lines, key=len)
    flat = " ".join(table.stdout.split())
    assert "ON public.accounts USING btree (owner_id);" in flat
    assert "Statements without advice" in table.stdout
    assert "accounts_pkey" in flat  # already served by it (the reason wraps in its cell)
    markdown = advisor(
        "analyze", "--dsn", db.dsn, "--format", "markdown", "--verbose", *served, env=env
    )
    assert markdown.returncode == 0
    assert markdown.stdout.startswith("# Index advice")
    assert "`CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_owner_id_idx" in markdown.stdout
    found = tables(markdown.stdout)
    assert found[0][0][:2] == ["#", "index"]
    assert found[0][1][1] == "public.accounts USING btree (owner_id)"
    assert any(t[0][:3] == ["queryid", "cost", "query"] for t in found[1:])


def test_migrations_apply_twice_and_planner_uses_the_index(db: Any, tmp_path: Path) -> None:
    out = tmp_path / "migrations"
    proc = advisor("analyze", "--dsn", db.dsn, "--write-migrations", str(out), "--fail-on-advice")
    assert proc.returncode == 1  # --fail-on-advice: there is advice
    assert f"wrote 2 migration files to {out}" in proc.stderr
    ups = sorted(out.glob("*.up.sql"))
    downs = sorted(out.glob("*.down.sql"))
    assert [p.name[:4] for p in ups] == ["001_"] and len(downs) == 1
    up = ups[0].read_text()
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS" in up and "-- " in up
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for _ in range(2):  # idempotent
            conn.execute(up)
        conn.execute("ANALYZE accounts")
        plan = conn.execute("EXPLAIN (FORMAT JSON) " + LOOKUP, (Int8(7),)).fetchone()
        assert plan is not None
        text = json.dumps(plan[0])
        assert "accounts_owner_id_idx" in text and "Seq Scan" not in text
        for _ in range(2):
            conn.execute(downs[0].read_text())
        gone = conn.execute("SELECT to_regclass('accounts_owner_id_idx')").fetchone()
        assert gone == (None,)
    # the same advice written again into the same folder adds nothing, and says why
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = advisor("analyze", "--dsn", db.dsn, "--write-migrations", str(out))
    assert again.returncode == 0, again.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert "wrote 0 migration files" in again.stderr
    assert "1 index already had one there: accounts_owner_id_idx" in again.stderr


def test_save_plan_prints_an_apply_command_that_runs_as_printed(
    make_db: Any, tmp_path: Path
) -> None:
    """With --dsn and the plan's path, without the password (libpq finds it elsewhere)."""
    database = make_db(SCHEMA)
    database.run(LOOKUP, [(Int8(i),) for i in range(1, 40)])
    dsn = f"{database.dsn} password=Sup3rS3cret"
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "analyze", "--dsn", dsn, "--save-plan", "plan.json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Sup3rS3cret" not in proc.stderr and "PGPASSWORD or ~/.pgpass" in proc.stderr
    line = next(x for x in proc.stderr.splitlines() if "build its indexes with: " in x)
    printed = line.split("build its indexes with: ")[1]
    assert " apply plan.json --dsn " in printed
    built = subprocess.run(
        ["bash", "-c", printed], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("created public.accounts_owner_id_idx")


def test_output_file_is_written(db: Any, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    proc = advisor("analyze", "--dsn", db.dsn, "--format", "json", "--output", str(target))
    assert proc.returncode == 0 and proc.stdout == ""
    assert json.loads(target.read_text())["recommendations"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_wrong_password_is_one_line_without_the_password(pg_server: Any) -> None:
    dsn = "host=127.0.0.1 port=1 user=nobody password=Sup3rS3cret dbname=x connect_timeout=2"
    proc = advisor("analyze", "--dsn", dsn)
    assert proc.returncode == 4
    assert "Sup3rS3cret" not in proc.stderr + proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "settings from --dsn" in proc.stderr and "check host and port" in proc.stderr
    assert "connection is bad" not in proc.stderr
    bad = advisor("analyze", "--dsn", "postgresql://u:Sup3rS3cret@/db?nonsense=1")
    assert bad.returncode == 4 and "Sup3rS3cret" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "postgresql:// URI" in bad.stderr
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["DATABASE_URL"] = "postgresql://nobody:Sup3rS3cret@127.0.0.1:1/x?connect_timeout=2"
    from_env = advisor("analyze", env=env)
    assert from_env.returncode == 4 and "Sup3rS3cret" not in from_env.stderr
    assert "settings from DATABASE_URL" in from_env.stderr


def test_preflight_hypopg_missing_says_what_to_run(make_db: Any) -> None:
    database = make_db(SCHEMA, hypopg=False)
    proc = advisor("analyze", "--dsn", database.dsn)
    assert proc.returncode == 3
    assert "CREATE EXTENSION hypopg;" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    with psycopg.connect(database.dsn) as conn:  # and it did not create it
        assert (
            conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'hypopg'").fetchone() is None
        )


def test_preflight_pg_stat_statements_missing(make_db: Any) -> None:
    database = make_db(SCHEMA)
    database.execute("DROP EXTENSION pg_stat_statements")
    proc = advisor("analyze", "--dsn", database.dsn)
    assert proc.returncode == 3
    assert "CREATE EXTENSION pg_stat_statements" in proc.stderr


def test_preflight_lists_every_missing_prerequisite_at_once(make_db: Any) -> None:
    """Both extensions missing: one line names both, with the command for each, exit 3."""
    database = make_db(SCHEMA, hypopg=False)
    database.execute("DROP EXTENSION pg_stat_statements")
    proc = advisor("analyze", "--dsn", database.dsn)
    assert proc.returncode == 3, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "1) pg_stat_statements is not created" in proc.stderr
    assert "2) HypoPG is not created" in proc.stderr
    assert "run: CREATE EXTENSION pg_stat_statements;" in proc.stderr
    assert "run: CREATE EXTENSION hypopg;" in proc.stderr


def test_bad_option_values_are_one_line(db: Any) -> None:
    proc = advisor("analyze", "--dsn", db.dsn, "--statement-timeout", "soon")
    assert proc.returncode == 2 and "cannot read duration" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_dsn_from_environment(db: Any, pg_server: Any) -> None:
    import os

    from psycopg import conninfo

    params = conninfo.conninfo_to_dict(db.dsn)
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update({"PGHOST": str(params["host"]), "PGPORT": str(params["port"]),
                "PGUSER": str(params["user"]), "PGDATABASE": str(params["dbname"])})  # fmt: skip
    proc = advisor("analyze", "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["server"]["database"] == params["dbname"]
    for key in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE"):
        env.pop(key)
    env["DATABASE_URL"] = db.dsn
    proc = advisor("analyze", "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["server"]["database"] == params["dbname"]


def test_review_findings_reach_the_json_and_the_migrations(make_db: Any, tmp_path: Path) -> None:
    database = make_db(
        SCHEMA + "CREATE INDEX acc_owner_a ON accounts (owner_id);"
        "CREATE INDEX acc_owner_b ON accounts (owner_id);"
    )
    database.run(LOOKUP, [(Int8(i),) for i in range(1, 10)])
    out = tmp_path / "m"
    proc = advisor(
        "analyze", "--dsn", database.dsn, "--format", "json", "--write-migrations", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    duplicate = [f for f in findings if f["kind"] == "duplicate"]
    assert len(duplicate) == 1 and duplicate[0]["index"] in ("acc_owner_a", "acc_owner_b")
    assert duplicate[0]["drop_sql"].startswith("DROP INDEX CONCURRENTLY IF EXISTS")
    assert "CONCURRENTLY IF NOT EXISTS" in duplicate[0]["restore_sql"]
    drops = sorted(out.glob("*_drop_*.up.sql"))
    assert len(drops) == 1 and duplicate[0]["index"] in drops[0].name
    no_review = advisor("analyze", "--dsn", database.dsn, "--format", "json", "--no-review")
    assert json.loads(no_review.stdout)["findings"] == []


def test_query_file_without_pg_stat_statements(db: Any, tmp_path: Path) -> None:
    """The path for "this query is slow": statements from a file, weighted by their calls."""
    script = tmp_path / "slow.sql"
    script.write_text(
        "-- calls: 50\nSELECT note FROM accounts WHERE owner_id = 42;\n"
        "SELECT count(*) FROM accounts;\n"
    )
    proc = advisor(
        "analyze", "--dsn", db.dsn, "--format", "json", "--no-pg-stat-statements",
        "--queries", str(script),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert len(doc["statements"]) == 2
    sources = {s["query"]: s for s in doc["statements"]}
    lookup = next(s for q, s in sources.items() if "owner_id" in q)
    assert lookup["calls"] == 50 and "file" in lookup["sources"] and lookup["reason"] is None
    assert doc["recommendations"][0]["columns"] == ["owner_id"]


COMMANDS = ("analyze", "demo", "apply", "lint", "snapshot", "report", "table", "mcp")


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_reads_at_80_columns(command: str) -> None:
    """Whole option names, no double negatives, metavars for people, nothing past column 80."""
    from typer.testing import CliRunner

    from advisor.cli import app

    result = CliRunner().invoke(
        app, [*([command] if command else []), "--help"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    text = result.output
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    for leak in ("…", "--no-no-", "<bool>", "<str>", "list[", "range>", "<path>"):
        assert leak not in text, leak
    broken = [line for line in lines if re.search(r"(?<![\w-])--[a-z][a-z-]*-$", line.rstrip())]
    assert not broken, broken  # an option name cut at a hyphen, its end on the next line
    if command == "analyze":
        for panel in ("Input", "Selection", "Output", "Safety"):
            assert f"─ {panel} ─" in text
        names = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", text))
        assert {
            "--log-statement-timeout",
            "--sample-min-running",
            "--min-workload-gain",
            "--no-pg-stat-statements",
            "--pg-stat-statements",
            "--review",
        } <= names
        for whole in ("--review / --no-review", "--max-size SIZE", "--queries FILE",
                      "--dsn DSN", "  DURATION"):  # fmt: skip
            assert whole in text, whole
    if not command:
        assert "--version" in text and all(c in text for c in COMMANDS)


def test_version() -> None:
    from importlib.metadata import version

    proc = advisor("--version")
    assert proc.returncode == 0 and proc.stdout == f"advisor {version('pg-advisor')}\n"


def test_old_negative_flags_still_work_and_positive_ones_too(db: Any) -> None:
    """--no-review still turns the review off; --review/--no-review is one option."""
    off = advisor("analyze", "--dsn", db.dsn, "-f", "json", "--no-review", "-q")
    on = advisor("analyze", "--dsn", db.dsn, "-f", "json", "--review", "-q")
    assert off.returncode == 0 and on.returncode == 0, off.stderr + on.stderr
    assert json.loads(off.stdout)["findings"] == []
    assert "unknown" not in on.stderr.lower()


BUSY_SCHEMA = (
    SCHEMA
    + """
CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL, status text NOT NULL,
                     total int NOT NULL);
INSERT INTO orders SELECT g, g % 5000, (ARRAY['open', 'paid', 'late'])[1 + g % 3], g % 1000
  FROM generate_series(1, 60000) g;
CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, at timestamptz NOT NULL);
INSERT INTO events SELECT g, g % 700, now() - g * interval '1 minute'
  FROM generate_series(1, 60000) g;
"""
)
SLOW = "SELECT id FROM orders WHERE status = 'late' AND total = 900"


@pytest.fixture(scope="module")
def busy_db(make_db: Any) -> Any:
    """A database whose pg_stat_statements is busy with other tables' statements."""
    database = make_db(BUSY_SCHEMA)
    database.run(LOOKUP, [(Int8(i),) for i in range(1, 40)])
    database.run("SELECT total FROM orders WHERE account_id = %s", [(Int8(i),) for i in range(30)])
    database.run("SELECT id FROM events WHERE kind = %s ORDER BY at", [(i,) for i in range(30)])
    return database


def test_query_answers_for_that_statement_alone(busy_db: Any) -> None:
    """ "Why is this query slow": one statement, advice only on its table, however busy the
    database's pg_stat_statements; --with-workload puts it in one selection with the rest."""
    pinned = ("--weigh-by", "planner")  # the choice must not hang on this machine's timings
    alone = advisor("analyze", "--dsn", busy_db.dsn, "--format", "json", "--query", SLOW, *pinned)
    assert alone.returncode == 0, alone.stderr
    doc = json.loads(alone.stdout)
    assert [s["query"] for s in doc["statements"] + doc["skipped"]] == [SLOW]
    assert doc["recommendations"]
    assert {r["table"] for r in doc["recommendations"]} == {"orders"}
    assert doc["recommendations"][0]["columns"][0] in ("status", "total")

    both = advisor(
        "analyze", "--dsn", busy_db.dsn, "-f", "json", "--query", SLOW, "--with-workload", *pinned
    )
    assert both.returncode == 0, both.stderr
    doc = json.loads(both.stdout)
    assert {s["query"] for s in doc["statements"]} == {
        SLOW,
        "SELECT id, note FROM accounts WHERE owner_id = $1",
        "SELECT total FROM orders WHERE account_id = $1",
        "SELECT id FROM events WHERE kind = $1 ORDER BY at",
    }
    assert {"accounts", "orders", "events"} <= {r["table"] for r in doc["recommendations"]}


def test_a_log_with_query_needs_with_workload(busy_db: Any, tmp_path: Path) -> None:
    log = tmp_path / "postgresql.log"
    log.write_text("")
    proc = advisor("analyze", "--dsn", busy_db.dsn, "--query", SLOW, "--log", str(log))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--with-workload" in proc.stderr
