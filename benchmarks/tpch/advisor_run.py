"""Run ``advisor analyze --format json`` as a child process; measure its wall time and peak RSS.

The child is reaped with ``os.wait4``, whose resource usage is that one process's (``ru_maxrss``,
kibibytes on Linux): the advisor's own memory, not the server backend's it talks to. Its session
is the advisor's own, as a user would run it: whatever it leaves in pg_stat_statements, the next
run reads (``bench`` counts it and analyses twice in a row to check the advice stays the same).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UNBOUNDED = "unbounded"


@dataclass(frozen=True)
class AdvisorRun:
    budget: str
    command: tuple[str, ...]
    exit_code: int
    wall_seconds: float
    peak_rss_bytes: int
    report: dict[str, Any] | None  # the parsed JSON, None when the run failed
    error: str  # the tail of stderr, or why the JSON could not be read

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.report is not None

    @property
    def recommendations(self) -> list[dict[str, Any]]:
        return list(self.report["recommendations"]) if self.report else []

    @property
    def create_sqls(self) -> tuple[str, ...]:
        return tuple(str(r["create_sql"]) for r in self.recommendations)

    @property
    def estimated_bytes(self) -> int:
        return sum(int(r.get("estimated_size_bytes") or 0) for r in self.recommendations)

    @property
    def explain_calls(self) -> int | None:
        if not self.report:
            return None
        value = self.report.get("workload", {}).get("explain_calls")
        return None if value is None else int(value)


@functools.cache
def help_text() -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "analyze", "--help"],
        capture_output=True, text=True, check=False, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    return proc.stdout


def has_option(name: str) -> bool:
    """Whether this checkout's ``advisor analyze`` offers the option (others build some)."""
    for line in help_text().splitlines():
        words = line.replace("│", " ").replace(",", " ").split()
        if words and words[0].startswith("-") and name in words[:3]:
            return True
    return False


def command(
    dsn: str,
    budget: str,
    output: Path,
    *,
    queries_file: Path | None,
    extra_queries: Sequence[str],
    logs: Sequence[Path] = (),
    extra_args: Sequence[str] = (),
) -> list[str]:
    cmd = [sys.executable, "-m", "advisor", "analyze", "--dsn", dsn, "--format", "json",
           "--output", str(output)]  # fmt: skip
    if budget != UNBOUNDED:
        cmd += ["--max-size", budget]
    if queries_file is not None:
        cmd += ["--queries", str(queries_file)]
    for text in extra_queries:
        cmd += ["--query", text]
    if (queries_file is not None or extra_queries) and has_option("--with-workload"):
        cmd += ["--with-workload"]  # the named queries join pg_stat_statements' workload
    for log in logs:
        cmd += ["--log", str(log)]
    return cmd + list(extra_args)


def run(
    dsn: str,
    budget: str,
    *,
    queries_file: Path | None = None,
    extra_queries: Sequence[str] = (),
    logs: Sequence[Path] = (),
    extra_args: Sequence[str] = (),
    timeout_s: float = 3600.0,
    out_dir: Path | None = None,
    label: str | None = None,
    hash_seed: int = 1,
) -> AdvisorRun:
    """One analysis; never raises for the advisor's own failures (they are part of the result).

    The JSON and stderr are kept in ``out_dir`` as ``advice-<label>.json`` / ``.stderr``; the
    label (default: the budget) names the run. ``hash_seed`` is the child's ``PYTHONHASHSEED``:
    two runs with different seeds show advice that depends on the order of a set (string hashes
    change with every process).
    """
    label = label or budget
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        keep = Path(tmp) if out_dir is None else out_dir
        output = keep / f"advice-{label}.json"
        cmd = command(dsn, budget, output, queries_file=queries_file,
                      extra_queries=extra_queries, logs=logs, extra_args=extra_args)  # fmt: skip
        with (keep / f"advice-{label}.stderr").open("w+b") as err:
            started = time.monotonic()
            env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
            timer = threading.Timer(timeout_s, proc.kill)
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            wall = time.monotonic() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            stderr = err.read().decode(errors="replace").strip()
        report: dict[str, Any] | None = None
        error = stderr[-2000:]
        if proc.returncode < 0 and wall >= timeout_s:
            error = f"killed after {timeout_s:g} s (the benchmark's limit for one analysis)"
        if proc.returncode == 0:
            try:
                report = json.loads(output.read_text(encoding="utf-8"))
                if not isinstance(report, dict) or "recommendations" not in report:
                    raise ValueError("no recommendations key")
            except (OSError, ValueError) as exc:
                report = None
                error = f"unparsable JSON output: {exc}"
        return AdvisorRun(
            budget=label,
            command=tuple(cmd),
            exit_code=proc.returncode,
            wall_seconds=wall,
            peak_rss_bytes=usage.ru_maxrss * 1024,
            report=report,
            error=error,
        )
