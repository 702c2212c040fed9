"""``advisor mcp`` as an assistant sees it: one server subprocess over stdio, the SDK's own client.

Every tool is called and its JSON compared with the CLI's ``--format json`` on the same database;
refusals come back as tool errors while the server goes on serving; and the database is exactly
as it was after the whole module (table contents, sequences and relations), HypoPG included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.types.numeric import Int8

from advisor.localdb.cluster import free_port
from advisor.mcp.inputs import MAX_HYPOTHETICAL_INDEXES, MAX_QUERIES, MAX_STATEMENT_CHARS
from tests.mcp_client import McpClient, server_log, text_of

SCHEMA = """
CREATE TABLE customers (id bigint PRIMARY KEY, region text NOT NULL, email text)
  WITH (autovacuum_enabled = off);
INSERT INTO customers SELECT g, 'r' || g % 50, 'c' || g || '@example.com'
  FROM generate_series(1, 20000) g;
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    total numeric(12, 2) NOT NULL
) WITH (autovacuum_enabled = off);
INSERT INTO orders
SELECT g, 1 + g % 20000, (ARRAY['new', 'paid', 'sent', 'void'])[1 + g % 4],
       timestamptz '2024-01-01' + g * interval '1 minute', g % 900
  FROM generate_series(1, 100000) g;
CREATE INDEX orders_status_idx ON orders (status);
CREATE INDEX orders_status_copy ON orders (status);
CREATE TABLE audit_log (id bigserial PRIMARY KEY, note text NOT NULL)
  WITH (autovacuum_enabled = off);
-- functions that write: volatile (refused by name), and non-volatile ones the planner would
-- evaluate on constants (stopped by the read-only transaction)
CREATE FUNCTION log_note(text) RETURNS int LANGUAGE plpgsql
  AS $$ BEGIN INSERT INTO audit_log (note) VALUES ($1); RETURN 1; END $$;
CREATE FUNCTION folded_writer(int) RETURNS int IMMUTABLE LANGUAGE sql
  AS $$ SELECT log_note('folded') + $1 - 1 $$;
CREATE FUNCTION read_write_again(int) RETURNS int IMMUTABLE LANGUAGE plpgsql
  AS $$ BEGIN PERFORM set_config('transaction_read_only', 'off', true);
        RETURN log_note('escaped') + $1; END $$;
"""
BY_CUSTOMER = "SELECT id, status FROM orders WHERE customer_id = %s"
BY_REGION = "SELECT id, email FROM customers WHERE region = %s ORDER BY id LIMIT 10"
BY_STATUS = "SELECT count(*) FROM orders WHERE status = %s"
# the same statements as pg_stat_statements shows them
QUERIES = [
    "SELECT id, total FROM orders WHERE created_at >= $1 AND created_at < $2",
    "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = $1",
    "SELECT status, count(*) FROM orders WHERE customer_id = 42 GROUP BY status",
]
MIGRATION = """\
CREATE INDEX orders_created_idx ON orders (created_at);
ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT 'x';
"""
RUN_DEPENDENT = {  # grow with the age of the statistics, or are wall-clock times
    "elapsed_seconds",
    "window_seconds",  # the statistics window grows between the two runs
    "window",
    "time_saved_ms_per_week",
    "write_overhead",
    "write_overhead_ms_per_week",
    "generated_at",
}
TOOLS = {
    "analyze_workload",
    "analyze_queries",
    "explain",
    "review_indexes",
    "table_report",
    "top_statements",
    "lint_schema",
    "lint_migration",
    "weekly_report",
}


def stable(doc: Any) -> Any:
    """``doc`` without the figures that differ between two runs of the same analysis."""
    if isinstance(doc, dict):
        return {k: stable(v) for k, v in doc.items() if k not in RUN_DEPENDENT}
    if isinstance(doc, list):
        items = [stable(v) for v in doc]
        if all(isinstance(v, dict) and "query" in v for v in items):
            # statements are listed by measured time: ties (BEGIN, COMMIT) fall either way
            items.sort(key=lambda v: (str(v["query"]), str(v.get("queryid"))))
        return items
    return doc


def cli(*args: str, cwd: Path) -> dict[str, Any]:
    """``advisor ARGS`` (with ``--format json``), its JSON."""
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", *args, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return dict(json.loads(proc.stdout))


def state(dsn: str) -> dict[str, Any]:
    """What must not change: every table's and sequence's contents, and the set of relations."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        relations = conn.execute(
            "SELECT n.nspname, c.relname, c.relkind FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp%'"
            " ORDER BY 1, 2"
        ).fetchall()
        checksums = {}
        for schema, name, kind in relations:
            if kind not in ("r", "S") or schema in ("pg_catalog", "information_schema"):
                continue
            query = (
                "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {} t"
                if kind == "r"
                else "SELECT concat(last_value, ' ', is_called) FROM {}"
            )
            row = conn.execute(sql.SQL(query).format(sql.Identifier(schema, name))).fetchone()
            checksums[f"{schema}.{name}"] = row[0] if row else None
    return {"relations": relations, "checksums": checksums}


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    database.run(BY_CUSTOMER, [(Int8(i),) for i in range(1, 41)])
    database.run(BY_REGION, [(f"r{i}",) for i in range(20)])
    database.run(BY_STATUS, [(s,) for s in ("new", "paid", "sent", "void")], repeat=3)
    return database


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's and the CLI's working directory: no advisor.toml above it."""
    return tmp_path_factory.mktemp("mcp")


@pytest.fixture(scope="module")
def store(db: Any, workdir: Path) -> str:
    """A snapshot store with two snapshots around some workload, taken by the CLI."""
    path = str(workdir / "history.sqlite3")
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "advisor", "snapshot", "--dsn", db.dsn, "--store", path],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        db.run(BY_CUSTOMER, [(Int8(i),) for i in range(41, 61)])
    return path


@pytest.fixture(scope="module")
def before(db: Any, store: str) -> dict[str, Any]:
    return state(db.dsn)


@pytest.fixture(scope="module")
def server(db: Any, store: str, before: Any, workdir: Path) -> Iterator[McpClient]:
    log = workdir / "server.log"
    with log.open("w") as errlog:
        args = ["--dsn", db.dsn, "--store", store]
        client = McpClient.stdio(args, errlog, cwd=workdir)
        try:
            yield client
        finally:
            client.close()
    text = server_log(log)
    assert "Traceback" not in text, text


def test_lists_the_tools_resources_and_prompt(server: McpClient, db: Any, workdir: Path) -> None:
    tools = {t.name: t for t in server.list_tools().tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
    assert tools["explain"].input_schema["properties"]["query"]["maxLength"] == MAX_STATEMENT_CHARS

    listed = {str(r.uri): r for r in server.list_resources().resources}
    assert "advisor://tables" in listed
    orders = listed["advisor://tables/public/orders"]
    assert orders.name == "public.orders" and "rows" in (orders.description or "")
    tables = json.loads(server.read_resource("advisor://tables").contents[0].text)
    by_name = {t["name"]: t for t in tables["tables"]}
    assert set(by_name) == {"customers", "orders", "audit_log"}
    assert by_name["orders"]["rows"] == pytest.approx(100_000, rel=0.01)
    assert by_name["orders"]["size_bytes"] > by_name["customers"]["size_bytes"] > 0
    read = json.loads(server.read_resource("advisor://tables/public/orders").contents[0].text)
    expected = cli("table", "orders", "--dsn", db.dsn, "--no-advice", cwd=workdir)
    assert stable(read) == stable(expected)

    prompts = {p.name: p for p in server.list_prompts().prompts}
    assert set(prompts) == {"investigate_slow_query"}
    prompt = server.get_prompt("investigate_slow_query", {"query": QUERIES[0]})
    text = prompt.messages[0].content.text
    assert QUERIES[0] in text
    assert text.index("`explain`") < text.index("`analyze_queries`") < text.index("`table_report`")


def test_analyze_workload_answers_as_the_cli(server: McpClient, db: Any, workdir: Path) -> None:
    doc = server.json("analyze_workload", max_indexes=3, min_calls=2)
    args = ["--max-indexes", "3", "--min-calls", "2"]
    expected = cli("analyze", "--dsn", db.dsn, *args, cwd=workdir)
    assert stable(doc) == stable(expected)
    created = {tuple(r["columns"]) for r in doc["recommendations"] if r["table"] == "orders"}
    assert ("customer_id",) in created
    summary = text_of(server.call("analyze_workload", max_indexes=3, min_calls=2))
    assert "orders_customer_id" in summary and "advisor apply advice.json" in summary


def test_analyze_queries_with_parameters(server: McpClient, db: Any, workdir: Path) -> None:
    doc = server.json("analyze_queries", queries=QUERIES)
    args = ["analyze", "--dsn", db.dsn, "--no-pg-stat-statements", "--no-review"]
    for query in QUERIES:
        args += ["--query", query]
    assert stable(doc) == stable(cli(*args, cwd=workdir))
    assert {s["query"] for s in doc["statements"]} == set(QUERIES)
    keys = {(r["table"], tuple(r["columns"])) for r in doc["recommendations"]}
    assert ("orders", ("created_at",)) in keys
    for rec in doc["recommendations"]:
        for q in rec["queries"]:
            assert q["cost_after"] < q["cost_before"]
    for statement in doc["statements"]:  # one module plans both: the same generic plan cost
        plan = server.json("explain", query=statement["query"])
        assert plan["before"]["total_cost"] == statement["cost_before"]


def test_explain_with_a_hypothetical_index(server: McpClient, db: Any) -> None:
    doc = server.json(
        "explain",
        query="SELECT id, total FROM orders WHERE created_at >= $1 AND created_at < $2",
        hypothetical_indexes=["CREATE INDEX ON orders (created_at) INCLUDE (total)"],
    )
    assert doc["plan_type"] == "generic" and doc["parameters"] == 2
    (index,) = doc["hypothetical_indexes"]
    assert index["used"] and index["hypopg_size_bytes"] > 0
    assert doc["after"]["total_cost"] < doc["before"]["total_cost"]
    assert index["name"] in doc["after"]["indexes_used"]
    assert index["name"] in doc["after"]["tree"] and "Seq Scan on orders" in doc["before"]["tree"]
    assert doc["cost_change_percent"] < -50

    literal = server.json("explain", query="SELECT * FROM orders WHERE id = 7")
    assert literal["plan_type"] == "literal" and literal["after"] is None
    assert literal["before"]["indexes_used"] == ["orders_pkey"]

    useless = server.json(
        "explain",
        query="SELECT count(*) FROM customers",
        hypothetical_indexes=["CREATE INDEX ON orders (total)"],
    )
    assert not useless["hypothetical_indexes"][0]["used"]


def test_explain_plans_writes_without_running_them(server: McpClient) -> None:
    for query in (
        "WITH gone AS (DELETE FROM orders WHERE id < 1000 RETURNING id) SELECT count(*) FROM gone",
        "UPDATE orders SET status = $1 WHERE customer_id = $2",
        "INSERT INTO audit_log (note) SELECT email FROM customers WHERE region = 'r1'",
        "MERGE INTO customers c USING (VALUES (1, 'x')) v (id, email) ON c.id = v.id "
        "WHEN MATCHED THEN UPDATE SET email = v.email",
        "VALUES (1), (2)",
    ):
        doc = server.json("explain", query=query)
        assert doc["before"]["total_cost"] > 0, query
    # the database-unchanged test at the end of the module checks that nothing ran


def test_review_indexes_answers_as_analyze(server: McpClient, db: Any, workdir: Path) -> None:
    doc = server.json("review_indexes")
    expected = cli("analyze", "--dsn", db.dsn, cwd=workdir)
    assert stable(doc["findings"]) == stable(expected["findings"])
    kinds = {(f["kind"], f["index"]) for f in doc["findings"]}
    assert kinds & {("duplicate", "orders_status_idx"), ("duplicate", "orders_status_copy")}
    assert any(f["kind"] == "fk_without_index" and f["table"] == "orders" for f in doc["findings"])


def test_table_report_answers_as_the_cli(server: McpClient, db: Any, workdir: Path) -> None:
    doc = server.json("table_report", name="orders")
    assert stable(doc) == stable(cli("table", "orders", "--dsn", db.dsn, cwd=workdir))
    assert doc["table"] == "orders" and doc["statements"]


def test_top_statements_are_the_workload(server: McpClient, db: Any, workdir: Path) -> None:
    doc = server.json("top_statements", order_by="total_time", limit=1000)
    analysed = cli("analyze", "--dsn", db.dsn, "--no-review", cwd=workdir)
    workload = {s["queryid"] for s in analysed["statements"]} | {
        s["queryid"] for s in analysed["skipped"]
    }
    assert {s["queryid"] for s in doc["statements"]} == workload
    figures = {s["queryid"]: (s["calls"], s["total_exec_ms"]) for s in analysed["statements"]}
    for s in doc["statements"]:
        if s["queryid"] in figures:
            assert (s["calls"], s["total_exec_ms"]) == figures[s["queryid"]]
    times = [s["total_exec_ms"] for s in doc["statements"]]
    assert times == sorted(times, reverse=True)

    by_calls = server.json("top_statements", order_by="calls", limit=2)
    assert len(by_calls["statements"]) == 2
    assert by_calls["statements"][0]["query"] == BY_CUSTOMER.replace("%s", "$1")


def test_lint_schema_answers_as_the_cli(server: McpClient, db: Any, workdir: Path) -> None:
    doc = server.json("lint_schema")
    assert doc == cli("lint", "--dsn", db.dsn, cwd=workdir)
    assert any(f["rule"] == "fk-without-index" for f in doc["findings"])


def test_lint_migration_answers_as_the_cli(server: McpClient, db: Any, workdir: Path) -> None:
    doc = server.json("lint_migration", sql_text=MIGRATION)
    (workdir / "migration.sql").write_text(MIGRATION)
    expected = cli("lint", "--migration", "migration.sql", "--dsn", db.dsn, cwd=workdir)
    assert doc == expected
    assert {"create-index-not-concurrently", "missing-lock-timeout"} <= {
        f["rule"] for f in doc["findings"]
    }


def test_weekly_report_answers_as_the_cli(
    server: McpClient, db: Any, store: str, workdir: Path
) -> None:
    doc = server.json("weekly_report", since="7d")
    expected = cli(
        "report", "--dsn", db.dsn, "--store", store, "--no-snapshot", "--retention", "0",
        cwd=workdir,
    )  # fmt: skip
    assert stable(doc) == stable(expected)
    assert doc["statements"] and doc["database"] == db.name


def hypo(*indexes: str) -> dict[str, Any]:
    return {"query": "SELECT 1", "hypothetical_indexes": list(indexes)}


REFUSED = [
    ("explain", {"query": "SELECT 1; DROP TABLE orders"}, "exactly one statement"),
    ("explain", {"query": "DROP TABLE orders"}, "DROP is not accepted"),
    ("explain", {"query": "COPY orders TO PROGRAM 'touch /tmp/advisor-owned'"}, "COPY"),
    ("explain", {"query": "CREATE INDEX ON orders (total)"}, "CREATE INDEX is not accepted"),
    ("explain", {"query": "EXPLAIN ANALYZE DELETE FROM orders"}, "EXPLAIN is not accepted"),
    ("explain", {"query": "SELECT * INTO stolen FROM orders"}, "creates a table"),
    ("explain", {"query": "SELECT log_note('hi')"}, "log_note"),
    ("explain", {"query": "SELECT nextval('audit_log_id_seq')"}, "nextval"),
    ("explain", {"query": "SELECT * FROM orders WHERE id = folded_writer(1)"}, "read-only"),
    ("explain", {"query": "SELECT read_write_again(1)"}, "read-write mode"),
    ("explain", {"query": "SELECT * FROM orders WHERE"}, "does not parse"),
    ("explain", {"query": "SELECT * FROM nowhere"}, "does not exist"),
    ("explain", hypo("CREATE INDEX ON orders (total); DROP TABLE orders"), "exactly one"),
    ("explain", hypo("DROP INDEX orders_status_idx"), "must be CREATE INDEX"),
    ("explain", hypo("CREATE INDEX ON orders USING gin (status)"), "cannot make a gin index"),
    ("analyze_queries", {"queries": ["SELECT 1", "TRUNCATE orders"]}, "statement 2: TRUNCATE"),
    ("analyze_queries", {"queries": ["SELECT log_note($1)"]}, "log_note"),
    ("explain", {"query": "SELECT " + "1 + " * MAX_STATEMENT_CHARS + "1"}, "at most"),
    ("analyze_queries", {"queries": ["SELECT 1"] * (MAX_QUERIES + 1)}, "at most"),
    ("explain", hypo(*["CREATE INDEX ON orders (a)"] * (MAX_HYPOTHETICAL_INDEXES + 1)), "at most"),
    ("top_statements", {"limit": 10**6}, "less than or equal"),
    ("top_statements", {"order_by": "random()"}, "total_time"),
    ("analyze_workload", {"max_size": "a lot"}, "pattern"),
    ("analyze_workload", {"max_indexes": -1}, "greater than or equal"),
    ("table_report", {"name": "no_such_table"}, "no_such_table"),
    ("weekly_report", {"since": "yesterday"}, "cannot read period"),
]  # fmt: skip


@pytest.mark.parametrize(("tool", "arguments", "reason"), REFUSED, ids=lambda v: str(v)[:40])
def test_refusals_are_tool_errors_and_the_server_goes_on(
    server: McpClient, tool: str, arguments: dict[str, Any], reason: str
) -> None:
    refused = server.call(tool, **arguments)
    assert refused.is_error
    message = text_of(refused)
    assert reason in message, message
    assert "Traceback" not in message and len(message) < 2_000
    after = server.json("explain", query="SELECT count(*) FROM customers")
    assert after["before"]["total_cost"] > 0


def test_streamable_http_on_localhost(db: Any, workdir: Path) -> None:
    port = free_port()
    env = {**os.environ, "XDG_DATA_HOME": str(workdir / "no-store")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "advisor", "mcp", "--dsn", db.dsn, "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=workdir,
    )
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the HTTP server did not start"
            time.sleep(0.2)
        assert _listening(port) == {"127.0.0.1"}
        client = McpClient.http(f"http://127.0.0.1:{port}/mcp")
        try:
            names = {t.name for t in client.list_tools().tools}
            assert names == TOOLS - {"weekly_report"}  # no store configured
            doc = client.json("explain", query="SELECT * FROM customers WHERE id = $1")
            assert doc["before"]["indexes_used"] == ["customers_pkey"]
        finally:
            client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _listening(port: int) -> set[str]:
    """Local IPv4 addresses with a socket listening on ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_an_unreachable_database_is_a_tool_error(workdir: Path) -> None:
    dsn = f"host=127.0.0.1 port={free_port()} dbname=shop user=advisor password=s3cret-pw"
    with (workdir / "unreachable.log").open("w") as errlog:
        client = McpClient.stdio(["--dsn", dsn], errlog, cwd=workdir)
        try:
            failed = client.call("explain", query="SELECT 1")
            assert failed.is_error and "cannot connect" in text_of(failed)
            assert "s3cret-pw" not in text_of(failed)
            listed = {str(r.uri) for r in client.list_resources().resources}
            assert listed == {"advisor://tables"}  # the tables cannot be listed, the rest can
            again = client.call("top_statements")
            assert again.is_error and "s3cret-pw" not in text_of(again)
        finally:
            client.close()
    assert "s3cret-pw" not in server_log(workdir / "unreachable.log")


def test_the_database_is_unchanged(server: McpClient, db: Any, before: dict[str, Any]) -> None:
    """Last in the module: after every tool, refusal and hostile function above."""
    after = state(db.dsn)
    assert after["relations"] == before["relations"]
    assert after["checksums"] == before["checksums"]
    assert db.execute("SELECT count(*) FROM audit_log") == [(0,)]
