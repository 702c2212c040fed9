"""A simulated fortnight on a real server, and the report it gives: what got slower, what to index,
what to drop, what the last index achieved; rendered as markdown, JSON and HTML (in Chromium)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import struct
import subprocess
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer
from psycopg.types.numeric import Int8
from typer.testing import CliRunner

from advisor.cli import app
from advisor.history.snapshots import take_snapshot
from advisor.history.store import open_store
from advisor.report import html, markdown
from advisor.report import json as report_json
from advisor.report.build import ReportOptions, build_report
from advisor.report.model import Change, WeeklyReport
from advisor.report.run import run_report
from advisor.settings import Settings

SCHEMA = """
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    status text NOT NULL,
    total numeric(10, 2) NOT NULL
);
INSERT INTO orders
SELECT g, g % 5000, (ARRAY['new', 'paid', 'sent'])[1 + g % 3], g % 700
  FROM generate_series(1, 100000) g;
CREATE INDEX orders_status_idx ON orders (status);
CREATE TABLE events (
    id bigint PRIMARY KEY,
    account_id int NOT NULL,
    kind text NOT NULL
);
INSERT INTO events SELECT g, g % 3000, 'k' || g % 5 FROM generate_series(1, 20000) g;
CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO accounts SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 50000) g;
"""
ORDERS = "SELECT id, total FROM orders WHERE customer_id = %s"
EVENTS = "SELECT id, kind FROM events WHERE account_id = %s"
BY_ID = "SELECT status FROM orders WHERE id = %s"
LOGIN = "SELECT id FROM accounts WHERE email = %s"
GROW_EVENTS = (
    "INSERT INTO events SELECT g, g % 3000, 'k' || g % 5 FROM generate_series(20001, 120000) g"
)
DAY = 86400.0


def pg(statement: str) -> str:
    return statement.replace("%s", "$1")


def run(db: Any, statement: str, params: Sequence[Sequence[Any]]) -> None:
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for p in params:
            cur = conn.execute(statement, p)
            if cur.description:
                cur.fetchall()
        if conn.info.server_version >= 150000:
            conn.execute("SELECT pg_stat_force_next_flush()")
            conn.execute("SELECT 1")
        else:
            time.sleep(1.0)


def day_of_work(db: Any, orders: int = 20) -> None:
    run(db, ORDERS, [(Int8(i * 37 % 5000),) for i in range(orders)])
    run(db, EVENTS, [(i * 11 % 3000,) for i in range(20)])
    run(db, BY_ID, [(Int8(i * 13 + 1),) for i in range(50)])
    run(db, LOGIN, [(f"user{i * 17}@example.com",) for i in range(10)])


@pytest.fixture(scope="module")
def week(make_db: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two weeks of history: an index applied mid-week, the events table grown six-fold."""
    db = make_db(SCHEMA)
    path = tmp_path_factory.mktemp("history") / "history.sqlite3"
    now = time.time()
    with open_store(str(path)) as store:
        take_snapshot(db.dsn, store, taken_at=now - 14 * DAY)
        day_of_work(db)  # the previous week
        take_snapshot(db.dsn, store, taken_at=now - 7 * DAY)
        day_of_work(db)  # this week, first days
        db.execute(GROW_EVENTS)
        db.execute("ANALYZE events")
        run(db, EVENTS, [(i * 7 % 3000,) for i in range(20)])
        take_snapshot(db.dsn, store, taken_at=now - 4 * DAY)
        # mid-week report: it recommends the orders index, which is then applied
        midweek = run_report(db.dsn, store, snapshot=False, advice=Settings())
        orders_rec = next(r for r in midweek.recommendations if r.spec.table.name == "orders")
        db.execute(orders_rec.create_sql)
        db.execute("ANALYZE orders")
        take_snapshot(db.dsn, store, taken_at=now - 3.5 * DAY)
        day_of_work(db, orders=60)  # this week, after the index
        # the snapshots' times are set, the statistics are minutes old: judge them anyway
        final = run_report(db.dsn, store, advice=Settings(), min_stats_age_s=0, taken_at=now)
    return {"db": db, "store": str(path), "report": final, "index": orders_rec.name}


def line(report: WeeklyReport, statement: str) -> Any:
    return next(s for s in report.statements if s.query == pg(statement))


def test_the_week_tells_what_got_slower(week: dict[str, Any]) -> None:
    report: WeeklyReport = week["report"]
    assert report.previous_start is not None and report.period_start is not None
    events = line(report, EVENTS)
    assert events.calls == 60 and events.previous_calls == 20
    assert events.change is Change.SLOWER and (events.change_pct or 0) > 50
    assert events in report.regressions
    orders = line(report, ORDERS)
    # 80 runs, not one more: the mid-week analysis planned it untracked (with track = all and a
    # role that may not turn tracking off, its EXPLAINs would count as nested calls too)
    assert orders.calls == 80 and orders.change is Change.FASTER  # 60 of 80 runs had the index
    assert pg(EVENTS) in {s.query for s in report.top_total[:3]}
    assert line(report, BY_ID) in report.top_calls[:1]
    own = [s.query for s in report.statements if "EXPLAIN" in s.query or "pg_catalog" in s.query]
    assert own == []


def test_the_week_tells_what_to_index_and_what_to_drop(week: dict[str, Any]) -> None:
    report: WeeklyReport = week["report"]
    targets = {(r.spec.table.name, r.spec.key_texts) for r in report.recommendations}
    assert ("accounts", ("email",)) in targets  # events is written too much to pay off
    assert not any(t == "orders" for t, _ in targets)  # applied already
    unused = {u.name for u in report.unused_indexes}
    assert "orders_status_idx" in unused
    assert week["index"] not in unused  # new this period: not judged yet
    assert not any(u.name.endswith("_pkey") for u in report.unused_indexes)
    drop = next(u for u in report.unused_indexes if u.name == "orders_status_idx")
    assert drop.drop_sql == "DROP INDEX CONCURRENTLY IF EXISTS public.orders_status_idx"
    grew = report.growth[0]
    assert (grew.name, grew.inserted) == ("events", 100000)
    assert grew.rows_after - grew.rows_before == 100000


def test_the_week_measures_the_applied_index(week: dict[str, Any]) -> None:
    report: WeeklyReport = week["report"]
    applied = next(a for a in report.applied if a.name == week["index"])
    assert applied.recommended_at is not None  # matched to the mid-week recommendation
    assert applied.appeared_after < applied.appeared_by
    assert applied.scans >= 60
    effect = next(e for e in applied.effects if e.query == pg(ORDERS))
    assert effect.calls_before == 40 and effect.calls_after == 60
    assert effect.mean_after_ms < effect.mean_before_ms / 3
    assert effect.change_pct < -60


def test_markdown_and_json_tell_the_story(week: dict[str, Any]) -> None:
    report: WeeklyReport = week["report"]
    text = markdown.render(report)
    assert text.startswith(f"# Weekly report: {week['db'].name}")
    summary = text.split("## Summary", 1)[1].split("##", 1)[0]
    assert "got slower" in summary and "events WHERE account_id" in summary
    assert "public.accounts USING btree (email)" in summary
    assert "orders_status_idx" in summary
    assert f"recommended index public.{week['index']}" in summary and "faster" in summary
    assert "## Applied since the last report" in text and "| statement |" in text
    doc = json.loads(report_json.render(report))
    assert doc["database"] == week["db"].name and doc["period"]["previous_start"]
    assert {"statements", "top", "regressions", "recommendations", "applied",
            "unused_indexes", "growth", "sizes", "trend", "notes"} <= doc.keys()  # fmt: skip
    assert doc["recommendations"][0]["create_sql"].startswith("CREATE INDEX CONCURRENTLY")
    assert doc["applied"][0]["effects"][0]["change_pct"] < 0
    assert len(doc["trend"]) == 2


def _app() -> typer.Typer:
    return app


def test_report_command_for_ci(week: dict[str, Any], tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["report", "--dsn", week["db"].dsn, "--store", week["store"], "--no-snapshot",
            "--no-advice"]  # fmt: skip
    target = tmp_path / "out" / "report.json"
    ok = runner.invoke(_app(), [*base, "-f", "json", "--output", str(target)])
    assert ok.exit_code == 0, ok.output
    assert ok.output == "" and json.loads(target.read_text())["advice_note"]
    assert not list(target.parent.glob(".*.tmp"))
    failing = runner.invoke(_app(), [*base, "--fail-on-regression", "50"])
    assert failing.exit_code == 1 and "slower by more than 50 %" in failing.output
    assert failing.output.startswith("# Weekly report")
    lenient = runner.invoke(_app(), [*base, "--fail-on-regression", "100000"])
    assert lenient.exit_code == 0
    bad = runner.invoke(_app(), [*base, "--since", "last week"])
    assert bad.exit_code == 2 and "cannot read period" in bad.output


def test_first_report_on_an_empty_store_says_so(week: dict[str, Any], tmp_path: Path) -> None:
    with open_store(str(tmp_path / "empty.sqlite3")) as store:
        first = run_report(week["db"].dsn, store)
        assert first.period_start is None and "only one snapshot" in first.notes[0]
        assert first.advice_note is not None and not first.recommendations
        key = store.snapshots(store_key(store, week))[0].key
        assert build_report(store, key, options=ReportOptions(top=3)).top_total
    runner = CliRunner()
    empty = runner.invoke(_app(), ["report", "--dsn", week["db"].dsn, "--no-snapshot",
                                   "--store", str(tmp_path / "none.sqlite3")])  # fmt: skip
    assert empty.exit_code == 2 and "no snapshot" in empty.output


def store_key(store: Any, week: dict[str, Any]) -> Any:
    from advisor.history.capture import server_key
    from advisor.history.snapshots import open_session

    with open_session(week["db"].dsn) as conn:
        return server_key(conn)


def test_scheduling_doc_examples_use_real_options() -> None:
    """Every advisor command line in docs/scheduling.md parses with the real options."""
    group = typer.main.get_command(_app())
    commands = getattr(group, "commands", {})
    doc = (Path(__file__).parents[1] / "docs" / "scheduling.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```\w*\n(.*?)```", doc, flags=re.DOTALL))
    blocks = blocks.replace("\\\n", " ")
    found: list[list[str]] = []
    for text in blocks.splitlines():
        if (args := re.search(r"args: (\[.*\])", text)) is not None:
            found.append(json.loads(args.group(1)))
        elif (cmd := re.search(r"\badvisor ((?:snapshot|report|table)\b[^|]*)", text)) is not None:
            found.append(shlex.split(re.sub(r"\$\([^)]*\)", "X", cmd.group(1)), comments=True))
    assert len(found) >= 8
    for argv in found:
        command = commands[argv[0]]
        command.make_context(argv[0], argv[1:])  # raises on an unknown option or bad value


# -- HTML in a real browser -------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "Chromium is not installed: the HTML report test needs it "
            "(Debian: apt-get install chromium)"
        )
    return found


def browse(html_file: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0", *args, html_file.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def png_pixels(path: Path) -> tuple[int, int, int, bytes]:
    """A minimal PNG decoder (8-bit RGB/RGBA, not interlaced): width, height, bpp, pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 0xFF
        elif kind == 2:
            row = bytearray((a + b) & 0xFF for a, b in zip(row, prev, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + (left + prev[i]) // 2) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                row[i] = (row[i] + pred) & 0xFF
        out += row
        prev = row
    return width, height, bpp, bytes(out)


def count_colour(pixels: tuple[int, int, int, bytes], hex_colour: str, tolerance: int = 24) -> int:
    width, height, bpp, data = pixels
    want = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    hits = 0
    for i in range(0, width * height * bpp, bpp):
        if all(abs(data[i + k] - want[k]) <= tolerance for k in range(3)):
            hits += 1
    return hits


def test_html_report_renders_in_chromium_with_charts(week: dict[str, Any], tmp_path: Path) -> None:
    page = html.render(week["report"])
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL)
    assert len(svgs) == 3  # top statements, table sizes, trend
    for svg in svgs:
        ET.fromstring(svg)  # well-formed XML
    target = tmp_path / "report.html"
    target.write_text(page, encoding="utf-8")

    dom = browse(target, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 3 and "Weekly report" in dom.stdout
    assert "parsererror" not in dom.stdout
    problems = [
        line
        for line in dom.stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "Failed to load resource" in line
    ]
    assert problems == []

    shot = tmp_path / "report.png"
    grab = browse(target, tmp_path, f"--screenshot={shot}", "--window-size=900,5000",
                  "--force-device-scale-factor=0.4")  # fmt: skip
    assert grab.returncode == 0 and shot.exists(), grab.stderr[-2000:]
    pixels = png_pixels(shot)
    assert count_colour(pixels, "#2563eb") > 400  # bars: top statements, heap, trend columns
    assert count_colour(pixels, "#16a34a") > 20  # index part of the size bars
    assert count_colour(pixels, "#dc2626") > 20  # the database size line

    pdf = tmp_path / "report.pdf"
    printed = browse(target, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert printed.returncode == 0 and pdf.read_bytes().startswith(b"%PDF"), printed.stderr[-500:]
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 2 <= pages <= 12  # A4, the print stylesheet: a few pages, not one long strip
