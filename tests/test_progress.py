"""Progress on a terminal only: shown on stderr when it is a TTY (a pseudo-terminal here), never
when piped or with --quiet; --sample-activity counts down; Ctrl-C says what it stopped."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import psycopg
import pytest
from psycopg.types.numeric import Int8

from tests.conftest import default_sigint

SCHEMA = """
CREATE TABLE accounts (id bigint PRIMARY KEY, owner_id bigint NOT NULL, note text);
INSERT INTO accounts SELECT g, g % 5000, 'n' || g FROM generate_series(1, 60000) g;
"""
LOOKUP = "SELECT id, note FROM accounts WHERE owner_id = %s"


@pytest.fixture(scope="module")
def db(make_db: Any) -> Any:
    database = make_db(SCHEMA)
    database.run(LOOKUP, [(Int8(i),) for i in range(1, 40)])
    return database


class OnTerminal:
    """``advisor ARGS`` with stderr on a pseudo-terminal; what the terminal got, as text."""

    def __init__(self, *args: str) -> None:
        master, slave = pty.openpty()
        env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "advisor", *args],
            stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env, text=True,
            preexec_fn=default_sigint,
        )  # fmt: skip
        os.close(slave)
        self.master = master
        self.chunks: list[bytes] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the last writer closed: EIO
                return
            if not chunk:
                return
            self.chunks.append(chunk)

    @property
    def screen(self) -> str:
        return b"".join(self.chunks).decode(errors="replace")

    def wait_for(self, text: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            assert time.monotonic() < deadline, f"{text!r} never shown: {self.screen[-500:]!r}"
            assert self.proc.poll() is None, f"ended before {text!r}: {self.screen[-500:]!r}"
            time.sleep(0.05)

    def finish(self) -> tuple[int, str]:
        out, _ = self.proc.communicate(timeout=300)
        self.reader.join(timeout=10)
        os.close(self.master)
        return self.proc.returncode, out


def test_progress_shows_on_a_terminal(db: Any) -> None:
    run = OnTerminal("analyze", "--dsn", db.dsn)
    code, out = run.finish()
    assert code == 0 and out.startswith("Index advice for")
    assert "EXPLAIN calls" in run.screen
    assert any(stage in run.screen for stage in ("planning", "candidate", "reading"))


def test_nothing_extra_when_quiet_or_piped(db: Any) -> None:
    quiet = OnTerminal("analyze", "--dsn", db.dsn, "--quiet")
    code, _ = quiet.finish()
    assert code == 0 and quiet.screen == ""
    piped = subprocess.run(
        [sys.executable, "-m", "advisor", "analyze", "--dsn", db.dsn],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert piped.returncode == 0 and piped.stderr == ""


def test_sampling_counts_down_and_ctrl_c_says_what_it_stopped(db: Any) -> None:
    run = OnTerminal("analyze", "--dsn", db.dsn, "--sample-activity", "60s")
    run.wait_for("s left")
    run.proc.send_signal(signal.SIGINT)
    code, out = run.finish()
    assert code == 130 and out == ""
    assert "interrupted while sampling pg_stat_activity (" in run.screen
    assert "s of 60 s)" in run.screen
    assert "closed the read-only session" in run.screen and "nothing was written" in run.screen
    assert "Traceback" not in run.screen
    deadline = time.monotonic() + 10
    with psycopg.connect(db.dsn, autocommit=True) as conn:  # the session is gone
        while True:
            left = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'advisor'"
            ).fetchone()
            if left == (0,) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert left == (0,)
