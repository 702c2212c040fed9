"""HypoPG and generic plans on a real server: read-only sessions, batching, parameter typing."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.types.numeric import Int8

from advisor.collect.catalog import read_catalog
from advisor.db import session
from advisor.model import IndexKey, IndexSpec, Statement, TableRef
from advisor.parse.statement import analyse
from advisor.whatif import hypopg as hypopg_mod
from advisor.whatif.costs import WhatIf
from advisor.whatif.explain import Explainer, PlanError
from advisor.whatif.hypopg import HypoPG

SCHEMA = """
CREATE TABLE items (id bigint PRIMARY KEY, shop_id int NOT NULL, sku text NOT NULL,
                    created_at timestamptz NOT NULL);
INSERT INTO items SELECT g, g % 300, 'sku' || g, now() - g * interval '1 minute'
  FROM generate_series(1, 80000) g;
"""


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    return make_db(SCHEMA)


@pytest.fixture
def conn(db: Any) -> Any:
    c = session.connect(db.dsn, statement_timeout_ms=5000, lock_timeout_ms=500)
    yield c
    c.close()


def parsed(conn: Any, query: str) -> Any:
    result = analyse(Statement(1, (1,), query, 10, 5.0, 0.5), read_catalog(conn))
    assert not hasattr(result, "reason"), result
    return result


def test_analysis_session_cannot_write(conn: Any) -> None:
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("INSERT INTO items VALUES (0, 0, 'x', now())")
    assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
    assert conn.execute("SHOW application_name").fetchone() == ("advisor",)


def test_hypothetical_index_changes_the_generic_plan(conn: Any) -> None:
    info = conn.execute("SELECT extversion FROM pg_extension WHERE extname='hypopg'").fetchone()
    whatif = WhatIf(HypoPG(conn, "public", info[0]), Explainer(conn, conn.info.server_version))
    p = parsed(conn, "SELECT id FROM items WHERE shop_id = $1")
    spec = IndexSpec(TableRef("public", "items"), (IndexKey("shop_id"),))
    before = whatif.cost(p, ())
    after = whatif.cost(p, (spec,))
    assert after.total_cost < before.total_cost
    assert spec.describe() in after.used_indexes
    calls = whatif.explainer.calls
    assert whatif.cost(p, (spec,)) == after and whatif.explainer.calls == calls  # memoized
    # the cached generic plan must not outlive the hypothetical index
    whatif.reset()
    whatif._memo.clear()
    assert whatif.cost(p, ()).total_cost == pytest.approx(before.total_cost)


def test_our_prepared_statements_leave_psycopgs_alone(conn: Any) -> None:
    explainer = Explainer(conn, conn.info.server_version)
    conn.execute("PREPARE mine AS SELECT 1")
    p = parsed(conn, "SELECT id FROM items WHERE sku = $1 AND created_at > $2")
    for _ in range(3):
        explainer.plan(p)
    names = [r[0] for r in conn.execute("SELECT name FROM pg_prepared_statements")]
    assert names == ["mine"]


def test_planning_adds_few_entries_to_pg_stat_statements(db: Any) -> None:
    """Each EXPLAIN EXECUTE text is an entry there: the texts must repeat, not grow per plan,
    or an analysis evicts the workload it reads (pgss.max is 5,000 by default). As a superuser
    the session is not tracked at all (tests/test_footprint.py covers a role that is)."""
    db.execute(
        "SELECT pg_stat_statements_reset(0, d.oid, 0) FROM pg_database d"
        " WHERE d.datname = current_database()"
    )
    with session.connect(db.dsn, statement_timeout_ms=5000, lock_timeout_ms=500) as c:
        explainer = Explainer(c, c.info.server_version)
        p = parsed(c, "SELECT id FROM items WHERE sku = $1 AND created_at > $2")
        for _ in range(5):
            explainer.plan(p)
    (entries,) = db.execute(
        "SELECT count(*) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
        " WHERE d.datname = current_database() AND query ~* '^EXPLAIN|^PREPARE|^DEALLOCATE'"
    )[0]
    assert entries == 0
    with session.connect(db.dsn, statement_timeout_ms=5000, lock_timeout_ms=500) as c:
        c.execute("PREPARE advisor_plan AS SELECT 1")  # as if a DEALLOCATE had failed
        assert Explainer(c, c.info.server_version).plan(p)["Total Cost"] > 0


def test_untyped_parameter_gets_a_type_on_retry(conn: Any) -> None:
    explainer = Explainer(conn, conn.info.server_version)
    p = parsed(conn, "SELECT id FROM items WHERE $1 IS NULL OR sku = $2")
    plan = explainer.plan(p)
    assert plan["Total Cost"] > 0


def test_planner_error_is_a_reason_not_a_crash(conn: Any) -> None:
    explainer = Explainer(conn, conn.info.server_version)
    p = parsed(conn, "SELECT id FROM items WHERE no_such_column = $1")
    with pytest.raises(PlanError, match="planner error"):
        explainer.plan(p)
    assert conn.execute("SELECT 1").fetchone() == (1,)  # the session is still usable


ANTI_JOIN_SCHEMA = """
CREATE TABLE customer (c_custkey int PRIMARY KEY, c_phone text, c_acctbal numeric);
CREATE TABLE orders (o_orderkey int PRIMARY KEY, o_custkey int, o_orderdate date);
INSERT INTO customer SELECT i, (i % 30)::text || '-555', i % 1000 FROM generate_series(1, 15000) i;
INSERT INTO orders SELECT i, (i * 7) % 15000 + 1, date '1995-01-01' + i % 2000
  FROM generate_series(1, 150000) i;
"""


def test_a_plan_verbose_cannot_print_is_priced_without_verbose(make_db: Any) -> None:
    """HypoPG 1.3.1 plans an index-only scan of a hypothetical expression index under a
    subquery, but EXPLAIN VERBOSE fails to print it ("invalid attnum 3 for relation custsale",
    TPC-H Q22 with an ``orders (o_custkey, (EXTRACT(...)))`` candidate): the cost is still
    there, and the analysis must not stop."""
    db = make_db(ANTI_JOIN_SCHEMA)
    conn = session.connect(db.dsn, statement_timeout_ms=5000, lock_timeout_ms=500)
    try:
        info = conn.execute("SELECT extversion FROM pg_extension WHERE extname='hypopg'")
        version = info.fetchone()[0]
        whatif = WhatIf(HypoPG(conn, "public", version), Explainer(conn, conn.info.server_version))
        p = parsed(
            conn,
            "SELECT cntrycode, count(*) FROM (SELECT substring(c_phone FROM 1 FOR 2) AS cntrycode"
            " FROM customer WHERE c_acctbal > 10 AND NOT EXISTS (SELECT * FROM orders"
            " WHERE o_custkey = c_custkey)) AS custsale GROUP BY cntrycode",
        )
        spec = IndexSpec(
            TableRef("public", "orders"),
            (IndexKey("o_custkey"), IndexKey("EXTRACT(epoch FROM o_orderdate)", True)),
        )
        before = whatif.cost(p, ())
        after = whatif.cost(p, (spec,))
        assert spec.describe() in after.used_indexes
        assert after.total_cost < before.total_cost
        assert conn.execute("SELECT 1").fetchone() == (1,)  # the session is still usable
        # the failed EXPLAIN came after its PREPARE, in one script: the name was freed, and
        # what the script created before it is what the what-if layer knows of
        assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)
        assert _hypothetical(conn) == {i.oid for i in whatif.live.values()}
    finally:
        conn.close()


def test_volatile_expression_is_refused_with_a_reason(conn: Any) -> None:
    info = conn.execute("SELECT extversion FROM pg_extension WHERE extname='hypopg'").fetchone()
    whatif = WhatIf(HypoPG(conn, "public", info[0]), Explainer(conn, conn.info.server_version))
    spec = IndexSpec(TableRef("public", "items"), (IndexKey("(random() * shop_id)", True),))
    (refusal,) = whatif.try_create_all([spec])
    assert refusal is not None and "IMMUTABLE" in refusal


def test_candidates_are_tried_together_each_with_its_own_outcome(conn: Any) -> None:
    """``try_create_all`` makes a statement's candidates in one round trip; a refusal among them
    is its own, as it is when tried alone, and the others are made."""
    info = conn.execute("SELECT extversion FROM pg_extension WHERE extname='hypopg'").fetchone()
    whatif = WhatIf(HypoPG(conn, "public", info[0]), Explainer(conn, conn.info.server_version))
    items = TableRef("public", "items")
    good = [IndexSpec(items, (IndexKey(c),)) for c in ("shop_id", "sku")]
    bad = IndexSpec(items, (IndexKey("(random() * shop_id)", True),))
    refusals = whatif.try_create_all([good[0], bad, good[1], good[0]])
    assert refusals[0] is None and refusals[2] is None and refusals[3] is None
    assert refusals[1] is not None and refusals[1] == whatif.try_create_all([bad])[0]
    assert _hypothetical(conn) == {whatif.live[s].oid for s in good}


def test_many_hypothetical_indexes_are_batched(db: Any, monkeypatch: Any) -> None:
    """With a tiny reset threshold the advice is the same: resets never lose a needed index."""
    db.run("SELECT id FROM items WHERE shop_id = %s ORDER BY created_at LIMIT 5",
           [(i,) for i in range(10)])  # fmt: skip
    db.run("SELECT id FROM items WHERE sku = %s", [(f"sku{i}",) for i in range(10)])
    normal = db.analyze()
    monkeypatch.setattr(hypopg_mod, "RESET_AFTER", 2)
    batched = db.analyze()
    assert [r.spec for r in batched.recommendations] == [r.spec for r in normal.recommendations]
    assert normal.recommendations


def test_lookup_of_int8_binds(db: Any) -> None:
    db.run("SELECT sku FROM items WHERE id = %s", [(Int8(5),)])
    report = db.analyze()
    pk = [s for s in report.statements if "WHERE id = $1" in s.statement.query]
    assert pk and pk[0].reason is not None and "items_pkey" in pk[0].reason


def test_row_comparison_and_merge_are_understood_and_planned(conn: Any) -> None:
    row = parsed(conn, "SELECT sku FROM items WHERE (shop_id, created_at) = ($1, $2)")
    assert {(u.key.text, u.role.value) for u in row.uses} == {
        ("shop_id", "equality"),
        ("created_at", "equality"),
    }
    merge = parsed(
        conn,
        "MERGE INTO items i USING (SELECT $1::bigint AS id) s ON i.id = s.id "
        "WHEN MATCHED THEN UPDATE SET sku = $2",
    )
    assert "id" in {u.key.text for u in merge.uses if u.table.name == "items"}
    explainer = Explainer(conn, conn.info.server_version)
    assert explainer.plan(merge)["Total Cost"] > 0
    assert explainer.plan(row)["Total Cost"] > 0


def _hypothetical(conn: Any) -> set[int]:
    return {int(r[0]) for r in conn.execute("SELECT indexrelid FROM hypopg()").fetchall()}


def test_a_refusal_among_batched_creates_is_its_own_and_leaves_no_index(conn: Any) -> None:
    """Creates go in one script; a refusal in it ends the script after some were made. Each spec
    still gets its own outcome, and the server holds exactly the indexes reported made."""
    info = conn.execute("SELECT extversion FROM pg_extension WHERE extname='hypopg'").fetchone()
    hypo = HypoPG(conn, "public", info[0])
    items = TableRef("public", "items")
    good = [IndexSpec(items, (IndexKey(c),)) for c in ("shop_id", "sku", "created_at")]
    bad = IndexSpec(items, (IndexKey("(random() * shop_id)", True),))
    made = hypo.replace([], [good[0], good[1], bad, good[2]])
    assert [type(m).__name__ for m in made] == ["HypoIndex", "HypoIndex", "HypoError", "HypoIndex"]
    assert "IMMUTABLE" in str(made[2])
    assert _hypothetical(conn) == {m.oid for m in made if not isinstance(m, Exception)}
    # the same again, with drops in the same script: the old ones go, new ones come
    again = hypo.replace([m for m in made if not isinstance(m, Exception)], good)
    assert _hypothetical(conn) == {m.oid for m in again if not isinstance(m, Exception)}
    assert len(again) == 3


def test_a_plan_with_a_refused_index_costs_as_without_it(conn: Any) -> None:
    """The sync and the plan go in one script when HypoPG is expected to take every index; when
    it refuses one there, the plan is made again one step at a time, without that index."""
    info = conn.execute("SELECT extversion FROM pg_extension WHERE extname='hypopg'").fetchone()
    whatif = WhatIf(HypoPG(conn, "public", info[0]), Explainer(conn, conn.info.server_version))
    p = parsed(conn, "SELECT id FROM items WHERE shop_id = $1")
    items = TableRef("public", "items")
    index = IndexSpec(items, (IndexKey("shop_id"),))
    bad = IndexSpec(items, (IndexKey("(random() * shop_id)", True),))
    alone = whatif.cost(p, (index,)).total_cost
    whatif.cost(p, ())  # the index is dropped again: the next plan creates it anew
    with_bad = whatif.cost(p, (index, bad))
    assert bad in whatif.refused
    assert with_bad.total_cost == alone
    assert index.describe() in with_bad.used_indexes
    assert _hypothetical(conn) == {i.oid for i in whatif.live.values()}
    assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)


def test_batched_creates_and_drops_keep_one_entry_each_where_tracked(db: Any) -> None:
    """A session that stays tracked (a role that may not turn pg_stat_statements off) sends
    batches of every length: each batch is one array literal, so one entry for the creates and
    one for the drops, however many lengths (an ARRAY[...] of literals made one per length)."""
    db.execute(
        "SELECT pg_stat_statements_reset(0, d.oid, 0) FROM pg_database d"
        " WHERE d.datname = current_database()"
    )
    items = TableRef("public", "items")
    specs = [IndexSpec(items, (IndexKey(c),)) for c in ("shop_id", "sku", "created_at")]
    with psycopg.connect(db.dsn, autocommit=True) as c:
        c.execute("SET pg_stat_statements.track = 'top'")
        info = c.execute("SELECT extversion FROM pg_extension WHERE extname='hypopg'").fetchone()
        hypo = HypoPG(c, "public", info[0])
        made: list[Any] = []
        for n in (1, 2, 3, 1):
            made = hypo.replace([m for m in made if not isinstance(m, Exception)], specs[:n])
    rows = db.execute(
        "SELECT query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
        " WHERE d.datname = current_database() AND query ~ 'hypopg_(create|drop)_index'"
    )
    assert len(rows) == 2, rows


def _jit_functions(conn: Any, query: str) -> int:
    """How many functions the server JIT-compiled for a plain EXPLAIN of ``query``."""
    doc = conn.execute(f"EXPLAIN (FORMAT JSON) {query}").fetchone()[0]
    return int(doc[0].get("JIT", {}).get("Functions", 0))


def test_what_if_plans_compile_nothing_and_timed_sessions_keep_jit(conn: Any) -> None:
    """EXPLAIN without ANALYZE compiles a plan's expressions when its cost passes
    ``jit_above_cost``: the analysis turns JIT off, a session that times statements keeps it."""
    query = "SELECT shop_id, count(*) FROM items WHERE sku LIKE 'sku1%' GROUP BY shop_id"
    session.set_config(conn, "jit", "on")
    session.set_config(conn, "jit_above_cost", "0")
    if _jit_functions(conn, query) == 0:
        pytest.fail("this server does not JIT-compile (no llvmjit): the test proves nothing")
    kept = Explainer(conn, conn.info.server_version, keep_jit=True)
    assert _jit_functions(conn, query) > 0
    before = kept.plan(parsed(conn, query))["Total Cost"]
    Explainer(conn, conn.info.server_version)
    assert _jit_functions(conn, query) == 0
    assert (
        Explainer(conn, conn.info.server_version).plan(parsed(conn, query))["Total Cost"] == before
    )
